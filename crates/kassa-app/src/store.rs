//! The store's own details: name and address for receipts, the currency it sells in, its
//! tax rates, the store and till codes that request ids carry, and the time zone reports
//! count calendar days in. Kept as one JSON value in the `store` setting; until a manager
//! saves it, a Korean default (KRW, VAT 10 % included in prices) applies, with store code
//! `KS`, till code `1` and the system's time zone (UTC when it cannot be read).
//!
//! Each till keeps its own ledger, so each till saves its own till code: two tills of one
//! store must differ in it (ids are unique per store at the terminal vendor). Settings saved
//! before these fields existed read with the defaults.

use crate::accounts::{Operator, Permission};
use crate::error::{AppError, AppResult};
use crate::Service;
use chrono_tz::Tz;
use kassa_core::{Currency, IdCodes, TaxRate};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Setting that holds the store details.
const STORE_KEY: &str = "store";

/// A named tax rate products refer to by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaxRateSetting {
    /// Short id products refer to (`vat`, `exempt`).
    pub id: String,
    /// What receipts and screens call it (`VAT 10%`).
    pub label: String,
    /// Rate in basis points: 1000 = 10 %.
    pub basis_points: u32,
    /// True when prices already contain the tax.
    pub inclusive: bool,
}

impl TaxRateSetting {
    /// The rate as kassa-core computes with it.
    pub fn rate(&self) -> TaxRate {
        TaxRate {
            basis_points: self.basis_points,
            inclusive: self.inclusive,
        }
    }
}

/// The store's details, currency and tax rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StoreSettings {
    /// Trading name, printed at the top of receipts.
    pub name: String,
    /// Address lines for receipts.
    pub address: String,
    /// Telephone for receipts.
    pub phone: String,
    /// Business registration number (사업자등록번호), printed on Korean receipts.
    pub business_number: String,
    /// A line at the bottom of receipts.
    pub receipt_footer: String,
    /// ISO 4217 code of the currency prices are in.
    pub currency: String,
    /// Tax rates products can use; the first is the default for new products.
    pub tax_rates: Vec<TaxRateSetting>,
    /// Store code in every request id: 1–4 letters or digits.
    #[serde(default = "default_store_code")]
    pub store_code: String,
    /// This till's code in every request id: 1–3 letters or digits, different on each till.
    #[serde(default = "default_till_code")]
    pub till_code: String,
    /// IANA time zone reports count calendar days in (`Asia/Seoul`, `Europe/Berlin`).
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

/// The store code of a single-till store that has not chosen one.
pub const DEFAULT_STORE_CODE: &str = "KS";
/// The till code of a single-till store.
pub const DEFAULT_TILL_CODE: &str = "1";

fn default_store_code() -> String {
    DEFAULT_STORE_CODE.into()
}

fn default_till_code() -> String {
    DEFAULT_TILL_CODE.into()
}

/// The system's IANA time zone when chrono-tz knows it, else `UTC`.
pub fn default_time_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|name| name.parse::<Tz>().is_ok())
        .unwrap_or_else(|| "UTC".into())
}

/// Reads an IANA time zone name, saying what to write when it is not one.
pub fn parse_time_zone(name: &str) -> AppResult<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        AppError::Usage(format!(
            "{name:?} is not a time zone: use an IANA name such as Asia/Seoul, Europe/Berlin or UTC"
        ))
    })
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            name: "My store".into(),
            address: String::new(),
            phone: String::new(),
            business_number: String::new(),
            receipt_footer: "Thank you".into(),
            currency: "KRW".into(),
            tax_rates: vec![
                TaxRateSetting {
                    id: "vat".into(),
                    label: "VAT 10%".into(),
                    basis_points: 1000,
                    inclusive: true,
                },
                TaxRateSetting {
                    id: "exempt".into(),
                    label: "Tax exempt".into(),
                    basis_points: 0,
                    inclusive: true,
                },
            ],
            store_code: default_store_code(),
            till_code: default_till_code(),
            time_zone: default_time_zone(),
        }
    }
}

impl StoreSettings {
    /// The store currency.
    pub fn currency(&self) -> AppResult<Currency> {
        Currency::from_code(&self.currency).map_err(|e| AppError::Config(e.to_string()))
    }

    /// The store and till codes for request ids.
    pub fn id_codes(&self) -> AppResult<IdCodes> {
        IdCodes::new(&self.store_code, &self.till_code).map_err(|e| AppError::Usage(e.to_string()))
    }

    /// The time zone reports count days in.
    pub fn tz(&self) -> AppResult<Tz> {
        parse_time_zone(&self.time_zone)
    }

    /// The tax rate with this id.
    pub fn tax(&self, id: &str) -> Option<&TaxRateSetting> {
        self.tax_rates.iter().find(|t| t.id == id)
    }

    /// Refuses settings the till cannot work with, saying which field to fix.
    pub fn validate(&self) -> AppResult<()> {
        if self.name.trim().is_empty() {
            return Err(AppError::Usage(
                "the store needs a name (it heads every receipt)".into(),
            ));
        }
        self.currency()?;
        self.id_codes()?;
        self.tz()?;
        if self.tax_rates.is_empty() {
            return Err(AppError::Usage(
                "keep at least one tax rate (use 0 % for tax-exempt stores)".into(),
            ));
        }
        let mut ids = HashSet::new();
        for t in &self.tax_rates {
            let id_ok = !t.id.is_empty()
                && t.id.len() <= 24
                && t.id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !id_ok {
                return Err(AppError::Usage(format!(
                    "tax rate id {:?} must be 1 to 24 letters, digits, '-' or '_'",
                    t.id
                )));
            }
            if !ids.insert(t.id.as_str()) {
                return Err(AppError::Usage(format!(
                    "tax rate id {:?} is used twice",
                    t.id
                )));
            }
            if t.basis_points > 10_000 {
                return Err(AppError::Usage(format!(
                    "tax rate {:?} is over 100 %: write 10 % as 1000 basis points",
                    t.label
                )));
            }
        }
        Ok(())
    }
}

impl Service {
    /// The store's settings, or the defaults when none are saved. Ids follow the codes read
    /// here, so a change saved by another process applies from its next read.
    pub fn store_settings(&self) -> AppResult<StoreSettings> {
        match self.ledger.setting(STORE_KEY)? {
            Some(v) => {
                let s: StoreSettings = serde_json::from_value(v).map_err(|e| {
                    AppError::Config(format!(
                        "the saved store settings cannot be read ({e}): save them again in Settings"
                    ))
                })?;
                if let Ok(codes) = s.id_codes() {
                    self.ids.set_codes(codes);
                }
                Ok(s)
            }
            None => {
                let codes = self.ids.codes();
                Ok(StoreSettings {
                    store_code: codes.store().to_string(),
                    till_code: codes.till().to_string(),
                    ..StoreSettings::default()
                })
            }
        }
    }

    /// Saves the store's settings (managers only). A tax rate still used by a product cannot
    /// be removed.
    pub fn save_store_settings(
        &self,
        by: &Operator,
        settings: StoreSettings,
    ) -> AppResult<StoreSettings> {
        by.require(Permission::Settings)?;
        settings.validate()?;
        for p in self.catalog()? {
            if settings.tax(&p.tax_id).is_none() {
                return Err(AppError::Conflict(format!(
                    "product {:?} uses tax rate {:?}: change the product first",
                    p.name, p.tax_id
                )));
            }
        }
        self.put_store_settings(&settings)?;
        self.ledger.audit(
            by.name(),
            "store_settings_saved",
            &serde_json::json!({
                "name": settings.name,
                "currency": settings.currency,
                "store_code": settings.store_code,
                "till_code": settings.till_code,
                "time_zone": settings.time_zone,
            }),
        )?;
        Ok(settings)
    }

    /// Changes the codes request ids carry and the reports' time zone (`kassactl settings`;
    /// the shell user is trusted as for printers and terminals), keeping the rest; `None`
    /// keeps a value. Validated like every save, and audited.
    pub fn save_store_identity(
        &self,
        actor: &str,
        store_code: Option<&str>,
        till_code: Option<&str>,
        time_zone: Option<&str>,
    ) -> AppResult<StoreSettings> {
        let mut settings = self.store_settings()?;
        if let Some(c) = store_code {
            settings.store_code = c.trim().to_ascii_uppercase();
        }
        if let Some(c) = till_code {
            settings.till_code = c.trim().to_ascii_uppercase();
        }
        if let Some(z) = time_zone {
            settings.time_zone = parse_time_zone(z)?.name().to_string();
        }
        settings.validate()?;
        self.put_store_settings(&settings)?;
        self.ledger.audit(
            actor,
            "store_settings_saved",
            &serde_json::json!({
                "store_code": settings.store_code,
                "till_code": settings.till_code,
                "time_zone": settings.time_zone,
            }),
        )?;
        Ok(settings)
    }

    /// Stores settings without a permission check (seeding).
    pub(crate) fn put_store_settings(&self, settings: &StoreSettings) -> AppResult<()> {
        let v = serde_json::to_value(settings)
            .map_err(|e| AppError::Config(format!("store settings cannot be saved: {e}")))?;
        self.ledger.set_setting(STORE_KEY, &v)?;
        if let Ok(codes) = settings.id_codes() {
            self.ids.set_codes(codes);
        }
        Ok(())
    }
}
