//! The catalog: products with a price in the store currency, a tax rate and an optional
//! barcode, kept as one JSON value in the `catalog` setting. Orders are built here from a
//! cart of product ids and quantities, so prices and taxes come from the catalog and the
//! store settings, never from the window.

use crate::accounts::{Operator, Permission};
use crate::error::{AppError, AppResult};
use crate::Service;
use kassa_core::OrderLine;
use kassa_ledger::{NewOrder, Order};
use serde::{Deserialize, Serialize};

/// Setting that holds the catalog.
const CATALOG_KEY: &str = "catalog";

/// One product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Product {
    /// Stable id (letters, digits, `-`, `_`); empty when adding lets the service choose one.
    pub id: String,
    /// Name printed on receipts and shown first (Korean in a Korean store).
    pub name: String,
    /// Name in the second language (English), shown under the first; may be empty.
    pub name_en: String,
    /// Price of one, in minor units of the store currency.
    pub price_minor: i64,
    /// Id of one of the store's tax rates.
    pub tax_id: String,
    /// Barcode digits a scanner types, if the product has one.
    pub barcode: Option<String>,
    /// Group for the product tiles (`Coffee`, `Bakery`).
    pub category: String,
}

/// One line of a cart as the window sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CartLineInput {
    /// Catalog id.
    pub product_id: String,
    /// How many (1 to 999).
    pub quantity: u32,
}

/// A cart to turn into an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CartInput {
    /// The lines, in the order the cashier added them.
    pub lines: Vec<CartLineInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredCatalog {
    products: Vec<Product>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Service {
    fn stored_catalog(&self) -> AppResult<StoredCatalog> {
        match self.ledger.setting(CATALOG_KEY)? {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                AppError::Config(format!(
                    "the saved catalog cannot be read ({e}): restore a backup"
                ))
            }),
            None => Ok(StoredCatalog::default()),
        }
    }

    pub(crate) fn put_catalog(&self, products: Vec<Product>) -> AppResult<()> {
        let v = serde_json::to_value(StoredCatalog { products })
            .map_err(|e| AppError::Config(format!("the catalog cannot be saved: {e}")))?;
        Ok(self.ledger.set_setting(CATALOG_KEY, &v)?)
    }

    /// Every product, in catalog order.
    pub fn catalog(&self) -> AppResult<Vec<Product>> {
        Ok(self.stored_catalog()?.products)
    }

    /// The product a scanner's digits name, if any.
    pub fn product_by_barcode(&self, code: &str) -> AppResult<Option<Product>> {
        let code = code.trim();
        Ok(self
            .catalog()?
            .into_iter()
            .find(|p| p.barcode.as_deref() == Some(code)))
    }

    /// Adds or replaces a product (managers only). Returns it with its id.
    pub fn save_product(&self, by: &Operator, mut p: Product) -> AppResult<Product> {
        by.require(Permission::Settings)?;
        let store = self.store_settings()?;
        p.name = p.name.trim().to_string();
        p.name_en = p.name_en.trim().to_string();
        p.category = p.category.trim().to_string();
        p.barcode = p
            .barcode
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty());
        if p.name.is_empty() {
            return Err(AppError::Usage("give the product a name".into()));
        }
        if p.price_minor < 0 {
            return Err(AppError::Usage("a price cannot be negative".into()));
        }
        if store.tax(&p.tax_id).is_none() {
            return Err(AppError::Usage(format!(
                "tax rate {:?} does not exist: pick one of the store's tax rates",
                p.tax_id
            )));
        }
        if let Some(b) = &p.barcode {
            if !b.bytes().all(|c| c.is_ascii_digit()) || b.len() > 32 {
                return Err(AppError::Usage("a barcode is up to 32 digits".into()));
            }
        }
        let mut all = self.catalog()?;
        if p.id.is_empty() {
            p.id = next_product_id(&all);
        } else if !valid_id(&p.id) {
            return Err(AppError::Usage(format!(
                "product id {:?} must be 1 to 40 letters, digits, '-' or '_'",
                p.id
            )));
        }
        if let Some(b) = &p.barcode {
            if let Some(other) = all
                .iter()
                .find(|o| o.id != p.id && o.barcode.as_ref() == Some(b))
            {
                return Err(AppError::Conflict(format!(
                    "barcode {b} already belongs to {:?}",
                    other.name
                )));
            }
        }
        match all.iter_mut().find(|o| o.id == p.id) {
            Some(slot) => *slot = p.clone(),
            None => all.push(p.clone()),
        }
        self.put_catalog(all)?;
        self.ledger.audit(
            by.name(),
            "product_saved",
            &serde_json::json!({"id": p.id, "name": p.name, "price_minor": p.price_minor}),
        )?;
        Ok(p)
    }

    /// Removes a product (managers only). Past orders keep their own copy of its lines.
    pub fn remove_product(&self, by: &Operator, id: &str) -> AppResult<()> {
        by.require(Permission::Settings)?;
        let mut all = self.catalog()?;
        let before = all.len();
        all.retain(|p| p.id != id);
        if all.len() == before {
            return Err(AppError::NotFound(format!("no product {id:?}")));
        }
        self.put_catalog(all)?;
        self.ledger
            .audit(by.name(), "product_removed", &serde_json::json!({"id": id}))?;
        Ok(())
    }

    /// Records an order for a cart, priced from the catalog and taxed by the store's rates.
    pub fn order_from_cart(&self, by: &Operator, cart: &CartInput) -> AppResult<Order> {
        by.require(Permission::Sell)?;
        if cart.lines.is_empty() {
            return Err(AppError::Usage(
                "the cart is empty: add an item first".into(),
            ));
        }
        let store = self.store_settings()?;
        let currency = store.currency()?;
        let catalog = self.catalog()?;
        let mut lines = Vec::with_capacity(cart.lines.len());
        for l in &cart.lines {
            let p = catalog
                .iter()
                .find(|p| p.id == l.product_id)
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "product {:?} is no longer in the catalog: remove it from the cart",
                        l.product_id
                    ))
                })?;
            if l.quantity == 0 || l.quantity > 999 {
                return Err(AppError::Usage(format!(
                    "quantity of {:?} must be 1 to 999",
                    p.name
                )));
            }
            let tax = store.tax(&p.tax_id).ok_or_else(|| {
                AppError::Config(format!(
                    "product {:?} uses tax rate {:?}, which the store no longer has: fix it in \
                     Settings",
                    p.name, p.tax_id
                ))
            })?;
            lines.push(OrderLine {
                name: p.name.clone(),
                quantity: l.quantity,
                unit_price_minor: p.price_minor,
                tax: tax.rate(),
            });
        }
        kassa_core::order_totals(currency, &lines).map_err(|e| AppError::Usage(e.to_string()))?;
        let order = self.ledger.create_order(&NewOrder {
            id: self.ids.next("O"),
            currency,
            lines,
            cashier: by.name().to_string(),
        })?;
        tracing::info!(order_id = %order.id, total = %order.totals.total, "order created from cart");
        Ok(order)
    }
}

fn next_product_id(all: &[Product]) -> String {
    let n = all
        .iter()
        .filter_map(|p| p.id.strip_prefix('p').and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0);
    format!("p{}", n + 1)
}
