//! What importing a catalog file would change, computed without touching the
//! database: the store loads a snapshot, this module diffs, the store applies.
//! Keeping the diff pure makes `--dry-run` exactly what a real import does.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{CatalogRow, Problems, Producer, Product, RowError, Variant};

/// The stored state an import is compared with.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub producers: HashMap<String, Producer>,
    pub products: HashMap<String, Product>,
    pub variants: HashMap<String, StoredVariant>,
    /// Each stored product's `shelf_life_days`, by product code (kept apart
    /// from [`Product`], which every catalog read shares).
    pub shelf_life: HashMap<String, Option<i64>>,
}

#[derive(Debug, Clone)]
pub struct StoredVariant {
    pub variant: Variant,
    pub product_code: String,
    /// Stock at the producer's default location.
    pub location_id: i64,
    pub on_hand: i64,
    pub reserved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductFields {
    pub name: String,
    pub category: String,
    pub description: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantFields {
    pub name: String,
    pub price_vnd: i64,
    pub weight_g: i64,
    pub image_urls: String,
}

/// One field's old and new value, for the dry-run report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewProducer {
    pub code: String,
    pub name: String,
    pub district: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProducerUpdate {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub district: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewProduct {
    pub producer_code: String,
    pub code: String,
    pub fields: ProductFields,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductUpdate {
    pub id: i64,
    pub code: String,
    pub fields: ProductFields,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewVariant {
    pub product_code: String,
    pub sku: String,
    pub fields: VariantFields,
    /// The opening balance, recorded as a receipt.
    pub stock: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VariantUpdate {
    pub id: i64,
    pub sku: String,
    pub fields: VariantFields,
    pub changes: Vec<FieldChange>,
}

/// A stock count: sets on hand at the default location, recorded as a
/// `count` movement of the difference.
#[derive(Debug, Clone, Serialize)]
pub struct StockCount {
    pub variant_id: i64,
    pub location_id: i64,
    pub sku: String,
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Plan {
    pub new_producers: Vec<NewProducer>,
    pub producer_updates: Vec<ProducerUpdate>,
    pub new_products: Vec<NewProduct>,
    pub product_updates: Vec<ProductUpdate>,
    pub new_variants: Vec<NewVariant>,
    pub variant_updates: Vec<VariantUpdate>,
    pub stock_counts: Vec<StockCount>,
    /// Rows unchanged by the import.
    pub unchanged: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.new_producers.is_empty()
            && self.producer_updates.is_empty()
            && self.new_products.is_empty()
            && self.product_updates.is_empty()
            && self.new_variants.is_empty()
            && self.variant_updates.is_empty()
            && self.stock_counts.is_empty()
    }

    /// How many ledger movements applying the plan adds.
    pub fn movements(&self) -> usize {
        self.new_variants.iter().filter(|v| v.stock > 0).count() + self.stock_counts.len()
    }
}

fn change<T: ToString + PartialEq>(
    out: &mut Vec<FieldChange>,
    field: &'static str,
    from: T,
    to: T,
) {
    if from != to {
        out.push(FieldChange {
            field,
            from: from.to_string(),
            to: to.to_string(),
        });
    }
}

fn show<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Diffs validated rows against the stored catalog. Rows that contradict the
/// store (a product or SKU that belongs elsewhere, a count below what open
/// orders hold) are errors: the whole import is refused.
///
/// A row naming another producer's product or SKU gets only that error:
/// nothing of the other producer's data (its stock, reservations, prices)
/// is compared with the row, so no message can carry it.
pub fn diff(snapshot: &Snapshot, rows: &[CatalogRow]) -> Result<Plan, Problems> {
    let mut plan = Plan::default();
    let mut errors = Problems::new();
    let producer_of = |producer_id: i64| {
        snapshot
            .producers
            .values()
            .find(|x| x.id == producer_id)
            .map(|o| o.code.as_str())
    };
    let mut seen_producers = HashMap::new();
    let mut seen_products = HashMap::new();
    for row in rows {
        if !seen_producers.contains_key(&row.producer_code) {
            seen_producers.insert(row.producer_code.clone(), ());
            match snapshot.producers.get(&row.producer_code) {
                None => plan.new_producers.push(NewProducer {
                    code: row.producer_code.clone(),
                    name: row.producer_name.clone(),
                    district: row.district.clone(),
                }),
                Some(p) => {
                    let mut changes = Vec::new();
                    change(&mut changes, "producer_name", &p.name, &row.producer_name);
                    change(&mut changes, "district", &p.district, &row.district);
                    if !changes.is_empty() {
                        plan.producer_updates.push(ProducerUpdate {
                            id: p.id,
                            code: p.code.clone(),
                            name: row.producer_name.clone(),
                            district: row.district.clone(),
                            changes,
                        });
                    }
                }
            }
        }
        let fields = ProductFields {
            name: row.product_name.clone(),
            category: row.category.clone(),
            description: row.description.clone(),
            ocop_stars: row.ocop_stars,
            ocop_cert_no: row.ocop_cert_no.clone(),
            ocop_cert_expires: row.ocop_cert_expires,
        };
        if !seen_products.contains_key(&row.product_code) {
            seen_products.insert(row.product_code.clone(), ());
            match snapshot.products.get(&row.product_code) {
                None => plan.new_products.push(NewProduct {
                    producer_code: row.producer_code.clone(),
                    code: row.product_code.clone(),
                    fields,
                }),
                Some(p) => {
                    let owner = producer_of(p.producer_id);
                    if owner.is_some_and(|o| o != row.producer_code) {
                        errors.push(RowError::new(
                            row.line,
                            "product_code",
                            format!(
                                "{:?} belongs to producer {:?}, not {:?}",
                                row.product_code,
                                owner.unwrap_or_default(),
                                row.producer_code
                            ),
                        ));
                        continue;
                    }
                    let mut changes = Vec::new();
                    change(&mut changes, "product_name", &p.name, &fields.name);
                    change(&mut changes, "category", &p.category, &fields.category);
                    change(
                        &mut changes,
                        "description",
                        &p.description,
                        &fields.description,
                    );
                    change(
                        &mut changes,
                        "ocop_stars",
                        show(&p.ocop_stars),
                        show(&fields.ocop_stars),
                    );
                    change(
                        &mut changes,
                        "ocop_cert_no",
                        show(&p.ocop_cert_no),
                        show(&fields.ocop_cert_no),
                    );
                    change(
                        &mut changes,
                        "ocop_cert_expires",
                        show(&p.ocop_cert_expires),
                        show(&fields.ocop_cert_expires),
                    );
                    // Only a file with the column sets shelf life (the rows
                    // of one product agree: validation saw to it).
                    if let Some(to) = row.shelf_life_days {
                        let from = snapshot.shelf_life.get(&p.code).copied().flatten();
                        change(&mut changes, "shelf_life_days", show(&from), show(&to));
                    }
                    if !changes.is_empty() {
                        plan.product_updates.push(ProductUpdate {
                            id: p.id,
                            code: p.code.clone(),
                            fields,
                            changes,
                        });
                    }
                }
            }
        }
        let vfields = VariantFields {
            name: row.variant_name.clone(),
            price_vnd: row.price_vnd,
            weight_g: row.weight_g,
            image_urls: row.image_urls.clone(),
        };
        match snapshot.variants.get(&row.variant_sku) {
            None => plan.new_variants.push(NewVariant {
                product_code: row.product_code.clone(),
                sku: row.variant_sku.clone(),
                fields: vfields,
                stock: row.stock,
            }),
            Some(sv) => {
                let owner = snapshot
                    .products
                    .get(&sv.product_code)
                    .and_then(|p| producer_of(p.producer_id));
                if owner.is_some_and(|o| o != row.producer_code) {
                    errors.push(RowError::new(
                        row.line,
                        "variant_sku",
                        format!(
                            "{:?} belongs to producer {:?}, not {:?}",
                            row.variant_sku,
                            owner.unwrap_or_default(),
                            row.producer_code
                        ),
                    ));
                    continue;
                }
                if sv.product_code != row.product_code {
                    errors.push(RowError::new(
                        row.line,
                        "variant_sku",
                        format!(
                            "{:?} belongs to product {:?}, not {:?}",
                            row.variant_sku, sv.product_code, row.product_code
                        ),
                    ));
                    continue;
                }
                let v = &sv.variant;
                let mut changes = Vec::new();
                change(&mut changes, "variant_name", &v.name, &vfields.name);
                change(&mut changes, "price_vnd", v.price_vnd, vfields.price_vnd);
                change(&mut changes, "weight_g", v.weight_g, vfields.weight_g);
                change(
                    &mut changes,
                    "image_urls",
                    &v.image_urls,
                    &vfields.image_urls,
                );
                let stock_differs = sv.on_hand != row.stock;
                if stock_differs {
                    if row.stock.checked_sub(sv.on_hand).is_none() {
                        errors.push(RowError::new(
                            row.line,
                            "stock",
                            format!(
                                "the stored stock of {} is out of range; set it with kho stock set",
                                row.variant_sku
                            ),
                        ));
                    } else if row.stock < sv.reserved {
                        errors.push(RowError::new(
                            row.line,
                            "stock",
                            format!(
                                "{} is below the {} units held by open orders",
                                row.stock, sv.reserved
                            ),
                        ));
                    }
                    plan.stock_counts.push(StockCount {
                        variant_id: v.id,
                        location_id: sv.location_id,
                        sku: v.sku.clone(),
                        from: sv.on_hand,
                        to: row.stock,
                    });
                }
                if !changes.is_empty() {
                    plan.variant_updates.push(VariantUpdate {
                        id: v.id,
                        sku: v.sku.clone(),
                        fields: vfields,
                        changes,
                    });
                } else if !stock_differs {
                    plan.unchanged += 1;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}
