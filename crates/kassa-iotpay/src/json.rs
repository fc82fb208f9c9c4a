//! JSON kept exactly in the order it was received.
//!
//! IOT Pay signs a nested object (`payOrder`) as its compact JSON text with the keys in the
//! order they appear in the response (docs/protocols.md §4.2). `serde_json::Value` sorts keys (the
//! workspace does not enable `preserve_order`, and turning it on would change every other
//! crate's maps), so this module has its own small tree: objects are vectors of pairs, and
//! writing one back gives compact JSON — no spaces, non-ASCII characters unescaped — in the
//! received order.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A JSON value whose objects keep their keys in received order (duplicates included).
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedJson {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, written back as `serde_json` reads it (integers exactly).
    Number(serde_json::Number),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<OrderedJson>),
    /// An object: `(key, value)` pairs in received order.
    Object(Vec<(String, OrderedJson)>),
}

impl OrderedJson {
    /// Parses JSON text.
    pub fn parse(text: &str) -> Result<OrderedJson, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Turns any serializable value (a wire struct) into a tree, keeping its field order.
    pub fn from_serialize<T: Serialize>(value: &T) -> Result<OrderedJson, serde_json::Error> {
        OrderedJson::parse(&serde_json::to_string(value)?)
    }

    /// Compact JSON text: no spaces after `,` or `:`, non-ASCII unescaped, keys in order.
    pub fn to_compact(&self) -> String {
        // Serializing this tree cannot fail: every key is a string and every number finite.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The pairs of an object, or `None` for anything else.
    pub fn as_object(&self) -> Option<&[(String, OrderedJson)]> {
        match self {
            OrderedJson::Object(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// The first value under `key` in an object.
    pub fn get(&self, key: &str) -> Option<&OrderedJson> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

impl Serialize for OrderedJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OrderedJson::Null => s.serialize_unit(),
            OrderedJson::Bool(b) => s.serialize_bool(*b),
            OrderedJson::Number(n) => n.serialize(s),
            OrderedJson::String(t) => s.serialize_str(t),
            OrderedJson::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            OrderedJson::Object(pairs) => {
                let mut map = s.serialize_map(Some(pairs.len()))?;
                for (k, v) in pairs {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for OrderedJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = OrderedJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }

    fn visit_none<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<OrderedJson, D::Error> {
        OrderedJson::deserialize(d)
    }

    fn visit_bool<E>(self, v: bool) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<OrderedJson, E> {
        serde_json::Number::from_f64(v)
            .map(OrderedJson::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OrderedJson, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(OrderedJson::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedJson, A::Error> {
        let mut pairs = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, OrderedJson>()? {
            pairs.push((k, v));
        }
        Ok(OrderedJson::Object(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_received_order_and_compacts() {
        let text =
            "{ \"z\" : 1, \"a\": {\"y\": \"커피\", \"b\": [true, null, 2.5]},\n \"m\": \"\" }";
        let v = OrderedJson::parse(text).unwrap();
        assert_eq!(
            v.to_compact(),
            r#"{"z":1,"a":{"y":"커피","b":[true,null,2.5]},"m":""}"#
        );
        assert_eq!(v.get("m"), Some(&OrderedJson::String(String::new())));
    }

    #[test]
    fn escaped_non_ascii_is_written_back_unescaped() {
        let v = OrderedJson::parse(r#"{"s":"\uCEE4\uD53C","q":"a\"b\\c"}"#).unwrap();
        assert_eq!(v.to_compact(), r#"{"s":"커피","q":"a\"b\\c"}"#);
    }

    #[test]
    fn serializable_structs_keep_field_order() {
        #[derive(Serialize)]
        struct S {
            b: u8,
            a: &'static str,
        }
        let v = OrderedJson::from_serialize(&S { b: 1, a: "x" }).unwrap();
        assert_eq!(v.to_compact(), r#"{"b":1,"a":"x"}"#);
    }
}
