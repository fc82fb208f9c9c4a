//! The store's own details: name and address for receipts, the currency it sells in, and its
//! tax rates. Kept as one JSON value in the `store` setting; until a manager saves it, a
//! Korean default (KRW, VAT 10 % included in prices) applies.

use crate::accounts::{Operator, Permission};
use crate::error::{AppError, AppResult};
use crate::Service;
use kassa_core::{Currency, TaxRate};
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
        }
    }
}

impl StoreSettings {
    /// The store currency.
    pub fn currency(&self) -> AppResult<Currency> {
        Currency::from_code(&self.currency).map_err(|e| AppError::Config(e.to_string()))
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
    /// The store's settings, or the defaults when none are saved.
    pub fn store_settings(&self) -> AppResult<StoreSettings> {
        match self.ledger.setting(STORE_KEY)? {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                AppError::Config(format!(
                    "the saved store settings cannot be read ({e}): save them again in Settings"
                ))
            }),
            None => Ok(StoreSettings::default()),
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
            &serde_json::json!({"name": settings.name, "currency": settings.currency}),
        )?;
        Ok(settings)
    }

    /// Stores settings without a permission check (seeding).
    pub(crate) fn put_store_settings(&self, settings: &StoreSettings) -> AppResult<()> {
        let v = serde_json::to_value(settings)
            .map_err(|e| AppError::Config(format!("store settings cannot be saved: {e}")))?;
        Ok(self.ledger.set_setting(STORE_KEY, &v)?)
    }
}
