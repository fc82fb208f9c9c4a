//! People who use the till: cashier and manager accounts with PINs, the kiosk's own identity,
//! and what each role may do.
//!
//! PINs are kept only as Argon2id hashes (PHC strings) in the `accounts` setting; the PIN
//! itself arrives in a [`Secret`] and is never stored or logged. Five wrong PINs in a row lock
//! an account for five minutes, counted with the service's [`kassa_core::Clock`] and kept in
//! the `pin_lockout` setting so a restart does not reset it. A verified PIN yields an
//! [`Operator`], the only proof the privileged calls of this crate accept
//! ([`Operator::require`]), so roles are enforced here and not only by the window.

use crate::error::{AppError, AppResult};
use crate::Service;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use chrono::{DateTime, FixedOffset};
use kassa_core::Secret;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Setting that holds the accounts.
const ACCOUNTS_KEY: &str = "accounts";
/// Setting that holds failed-PIN counters.
const LOCKOUT_KEY: &str = "pin_lockout";
/// Wrong PINs in a row that lock an account.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Rings up sales and looks up orders.
    Cashier,
    /// Everything: refunds, settling unknown payments, settings, closing the day.
    Manager,
    /// The self-service kiosk: sales only. Nobody signs in as the kiosk.
    Kiosk,
}

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create an order and pay it; cancel a running payment.
    Sell,
    /// See orders and their history.
    ViewOrders,
    /// Refund a payment or record a refund done on the terminal.
    Refund,
    /// Settle a payment whose outcome recovery could not prove.
    Resolve,
    /// Change terminals, store details, catalog and accounts.
    Settings,
    /// Close the business day.
    DayClose,
}

impl Permission {
    fn words(self) -> &'static str {
        match self {
            Permission::Sell => "ring up sales",
            Permission::ViewOrders => "look at orders",
            Permission::Refund => "give refunds",
            Permission::Resolve => "settle unknown payments",
            Permission::Settings => "change settings",
            Permission::DayClose => "close the day",
        }
    }
}

impl Role {
    /// Whether this role may do `p`.
    pub fn allows(self, p: Permission) -> bool {
        match self {
            Role::Manager => true,
            Role::Cashier => matches!(p, Permission::Sell | Permission::ViewOrders),
            Role::Kiosk => matches!(p, Permission::Sell),
        }
    }
}

/// Someone whose PIN was just verified (or the kiosk). Only this module creates one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    account_id: String,
    name: String,
    role: Role,
}

impl Operator {
    /// The account's id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The name recorded as the actor in the ledger and the audit log.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Refuses, with a sentence that says who can, unless the role allows `p`.
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.role.allows(p) {
            Ok(())
        } else {
            Err(AppError::Usage(format!(
                "{} cannot {}: a manager must enter their PIN",
                self.name,
                p.words()
            )))
        }
    }

    /// The kiosk's identity: it may only sell.
    pub fn kiosk() -> Operator {
        Operator {
            account_id: "kiosk".into(),
            name: "Kiosk".into(),
            role: Role::Kiosk,
        }
    }
}

/// An account as stored: the PIN only as an Argon2id PHC string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredAccount {
    id: String,
    name: String,
    role: Role,
    pin_hash: String,
}

/// Failed PINs of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Failures {
    account_id: String,
    count: u32,
    locked_until: Option<String>,
}

/// An account as the window lists it (no hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountView {
    /// Stable id.
    pub id: String,
    /// Name shown on the sign-in screen and recorded as the actor.
    pub name: String,
    /// Role.
    pub role: Role,
    /// When a lockout ends (RFC 3339), while one is in force.
    pub locked_until: Option<String>,
}

/// An account to add or change.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountInput {
    /// `None` adds a new account.
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// Role (`kiosk` is refused: nobody signs in as the kiosk).
    pub role: Role,
    /// New PIN (4 to 8 digits); `None` keeps the current one. Required for a new account.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    #[serde(default)]
    pub pin: Option<Pin>,
}

/// A PIN as typed, held in a [`Secret`] from the moment it is read from the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin(pub Secret<String>);

impl<'de> Deserialize<'de> for Pin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pin, D::Error> {
        Ok(Pin(Secret::new(String::deserialize(d)?)))
    }
}

/// Hashes a PIN with Argon2id and a random salt.
fn hash_pin(pin: &Secret<String>) -> AppResult<String> {
    Argon2::default()
        .hash_password(pin.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Config(format!("the PIN could not be protected: {e}")))
}

fn pin_matches(pin: &Secret<String>, phc: &str) -> bool {
    PasswordHash::new(phc).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(pin.expose().as_bytes(), &h)
            .is_ok()
    })
}

fn check_pin_shape(pin: &Secret<String>) -> AppResult<()> {
    let p = pin.expose();
    if (4..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AppError::Usage("a PIN is 4 to 8 digits".into()))
    }
}

impl Service {
    fn stored_accounts(&self) -> AppResult<Vec<StoredAccount>> {
        match self.ledger.setting(ACCOUNTS_KEY)? {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                AppError::Config(format!(
                    "the stored accounts cannot be read ({e}): restore a backup"
                ))
            }),
            None => Ok(Vec::new()),
        }
    }

    fn save_accounts(&self, all: &[StoredAccount]) -> AppResult<()> {
        let v = serde_json::to_value(all)
            .map_err(|e| AppError::Config(format!("accounts cannot be saved: {e}")))?;
        Ok(self.ledger.set_setting(ACCOUNTS_KEY, &v)?)
    }

    fn failures(&self) -> AppResult<Vec<Failures>> {
        Ok(match self.ledger.setting(LOCKOUT_KEY)? {
            Some(v) => serde_json::from_value(v).unwrap_or_default(),
            None => Vec::new(),
        })
    }

    fn save_failures(&self, all: &[Failures]) -> AppResult<()> {
        let v = serde_json::to_value(all)
            .map_err(|e| AppError::Config(format!("PIN counters cannot be saved: {e}")))?;
        Ok(self.ledger.set_setting(LOCKOUT_KEY, &v)?)
    }

    /// The lockout end in force for an account, if it is still in the future.
    fn locked_until(&self, f: &Failures) -> Option<DateTime<FixedOffset>> {
        let until = DateTime::parse_from_rfc3339(f.locked_until.as_deref()?).ok()?;
        (until > self.clock.now()).then_some(until)
    }

    /// Every account, for the sign-in screen and the settings page.
    pub fn accounts(&self) -> AppResult<Vec<AccountView>> {
        let failures = self.failures()?;
        Ok(self
            .stored_accounts()?
            .into_iter()
            .map(|a| {
                let locked_until = failures
                    .iter()
                    .find(|f| f.account_id == a.id)
                    .and_then(|f| self.locked_until(f))
                    .map(|t| t.to_rfc3339());
                AccountView {
                    id: a.id,
                    name: a.name,
                    role: a.role,
                    locked_until,
                }
            })
            .collect())
    }

    /// Verifies `pin` for the account `account_id`. Five wrong PINs in a row lock the account
    /// for five minutes; a right PIN resets the count.
    pub fn sign_in(&self, account_id: &str, pin: &Secret<String>) -> AppResult<Operator> {
        let account = self
            .stored_accounts()?
            .into_iter()
            .find(|a| a.id == account_id)
            .ok_or_else(|| AppError::NotFound(format!("no account {account_id:?}")))?;
        let mut all = self.failures()?;
        let mut mine = all
            .iter()
            .find(|f| f.account_id == account_id)
            .cloned()
            .unwrap_or(Failures {
                account_id: account_id.to_string(),
                ..Failures::default()
            });
        if let Some(until) = self.locked_until(&mine) {
            let secs = (until - self.clock.now()).num_seconds().max(1);
            let mins = (secs + 59) / 60;
            return Err(AppError::Conflict(format!(
                "too many wrong PINs: {} is locked for {mins} more minute(s). Wait, or ask \
                 another manager",
                account.name
            )));
        }
        if mine.locked_until.is_some() {
            // The lockout is over: start counting again.
            mine = Failures {
                account_id: account_id.to_string(),
                ..Failures::default()
            };
        }
        let ok = pin_matches(pin, &account.pin_hash);
        all.retain(|f| f.account_id != account_id);
        if ok {
            self.save_failures(&all)?;
            self.ledger.audit(
                &account.name,
                "sign_in",
                &serde_json::json!({"account": account.id}),
            )?;
            return Ok(Operator {
                account_id: account.id,
                name: account.name,
                role: account.role,
            });
        }
        mine.count += 1;
        let locked = mine.count >= MAX_FAILURES;
        if locked {
            let step = chrono::Duration::from_std(LOCKOUT).unwrap_or(chrono::Duration::zero());
            mine.locked_until = Some((self.clock.now() + step).to_rfc3339());
        }
        let left = MAX_FAILURES.saturating_sub(mine.count);
        all.push(mine);
        self.save_failures(&all)?;
        self.ledger.audit(
            &account.name,
            if locked { "pin_lockout" } else { "pin_wrong" },
            &serde_json::json!({"account": account.id}),
        )?;
        Err(if locked {
            AppError::Conflict(format!(
                "wrong PIN. {} is now locked for 5 minutes after {MAX_FAILURES} wrong PINs",
                account.name
            ))
        } else {
            AppError::Usage(format!(
                "wrong PIN: {left} more tries before a 5-minute lock"
            ))
        })
    }

    /// Adds or changes an account (managers only). PINs must be 4 to 8 digits; the last
    /// manager cannot be demoted.
    pub fn save_account(&self, by: &Operator, input: AccountInput) -> AppResult<AccountView> {
        by.require(Permission::Settings)?;
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(AppError::Usage("give the account a name".into()));
        }
        if input.role == Role::Kiosk {
            return Err(AppError::Usage(
                "nobody signs in as the kiosk: choose cashier or manager".into(),
            ));
        }
        if let Some(Pin(pin)) = &input.pin {
            check_pin_shape(pin)?;
        }
        let mut all = self.stored_accounts()?;
        let id = match &input.id {
            Some(id) => {
                let a = all
                    .iter_mut()
                    .find(|a| &a.id == id)
                    .ok_or_else(|| AppError::NotFound(format!("no account {id:?}")))?;
                a.name = name;
                a.role = input.role;
                if let Some(Pin(pin)) = &input.pin {
                    a.pin_hash = hash_pin(pin)?;
                }
                id.clone()
            }
            None => {
                let Pin(pin) = input
                    .pin
                    .as_ref()
                    .ok_or_else(|| AppError::Usage("a new account needs a PIN".into()))?;
                let id = next_account_id(&all);
                all.push(StoredAccount {
                    id: id.clone(),
                    name,
                    role: input.role,
                    pin_hash: hash_pin(pin)?,
                });
                id
            }
        };
        if !all.iter().any(|a| a.role == Role::Manager) {
            return Err(AppError::Conflict(
                "at least one manager account must remain: make someone else a manager first"
                    .into(),
            ));
        }
        self.save_accounts(&all)?;
        self.ledger.audit(
            by.name(),
            "account_saved",
            &serde_json::json!({"account": id, "role": input.role, "pin_changed": input.pin.is_some()}),
        )?;
        self.accounts()?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| AppError::NotFound(format!("no account {id:?}")))
    }

    /// Removes an account (managers only); the last manager stays.
    pub fn remove_account(&self, by: &Operator, id: &str) -> AppResult<()> {
        by.require(Permission::Settings)?;
        let mut all = self.stored_accounts()?;
        let before = all.len();
        all.retain(|a| a.id != id);
        if all.len() == before {
            return Err(AppError::NotFound(format!("no account {id:?}")));
        }
        if !all.iter().any(|a| a.role == Role::Manager) {
            return Err(AppError::Conflict(
                "the last manager account cannot be removed".into(),
            ));
        }
        self.save_accounts(&all)?;
        self.ledger.audit(
            by.name(),
            "account_removed",
            &serde_json::json!({"account": id}),
        )?;
        Ok(())
    }

    /// Creates the first accounts when there are none (demo mode and first start). Returns
    /// whether anything was created.
    pub fn seed_accounts(&self, seeds: &[(&str, Role, &str)]) -> AppResult<bool> {
        let mut all = self.stored_accounts()?;
        if !all.is_empty() {
            return Ok(false);
        }
        for (name, role, pin) in seeds {
            let pin = Secret::new((*pin).to_string());
            check_pin_shape(&pin)?;
            let id = next_account_id(&all);
            all.push(StoredAccount {
                id,
                name: (*name).to_string(),
                role: *role,
                pin_hash: hash_pin(&pin)?,
            });
        }
        self.save_accounts(&all)?;
        self.ledger.audit(
            "kassa",
            "accounts_seeded",
            &serde_json::json!({"count": all.len()}),
        )?;
        Ok(true)
    }
}

fn next_account_id(all: &[StoredAccount]) -> String {
    let n = all
        .iter()
        .filter_map(|a| a.id.strip_prefix('u').and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0);
    format!("u{}", n + 1)
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
