//! A minimal, strict XML reader for Lazada `payload` parameters (§6.3, §7): elements, text, CDATA, comments and
//! the five predefined entities plus character references. It turns a document into the same JSON-like tree a
//! JSON payload gives (`{"Request":{"Product":{"Skus":{"Sku":[…]}}}}`), so endpoints read both formats alike.
//! No XML crate is in the workspace and payloads are tiny, so a hand-written reader is the smaller dependency.
//! Anything malformed is an error, never guessed at: the simulator must refuse what Lazada's parser would.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::{Map, Value};

/// Parses a whole document into `{root_name: content}`. An element with child elements becomes an object (a
/// repeated child name becomes an array, in document order); an element with only text becomes a string.
pub fn parse(input: &str) -> Result<Value, String> {
    let mut p = Reader { s: input, i: 0 };
    p.skip_misc()?;
    if p.rest().starts_with("<?xml") {
        p.skip_past("?>")?;
        p.skip_misc()?;
    }
    if p.rest().starts_with("<!") {
        return Err("DOCTYPE declarations are not accepted".into());
    }
    let (name, value) = p.element()?;
    p.skip_misc()?;
    if p.i != p.s.len() {
        return Err("content after the root element".into());
    }
    let mut root = Map::new();
    root.insert(name, value);
    Ok(Value::Object(root))
}

struct Reader<'a> {
    s: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    /// Skips whitespace and comments between markup.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            let trimmed = self.rest().trim_start();
            self.i = self.s.len() - trimmed.len();
            if self.rest().starts_with("<!--") {
                self.skip_past("-->")?;
            } else {
                return Ok(());
            }
        }
    }

    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(at) => {
                self.i += at + end.len();
                Ok(())
            }
            None => Err(format!("unterminated markup, expected {end:?}")),
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let len = self
            .rest()
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>' || c == '<')
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err("an element without a name".into());
        }
        let name = self.rest()[..len].to_owned();
        self.i += len;
        Ok(name)
    }

    /// Reads `<name …>content</name>` (the reader is at `<`).
    fn element(&mut self) -> Result<(String, Value), String> {
        if !self.rest().starts_with('<') {
            return Err("expected an element".into());
        }
        self.i += 1;
        let name = self.name()?;
        // Attributes are not used by Lazada payloads; skip them, honouring quotes.
        let mut quote: Option<char> = None;
        let self_closing = loop {
            let Some(c) = self.rest().chars().next() else {
                return Err(format!("unterminated start tag <{name}>"));
            };
            self.i += c.len_utf8();
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => break false,
                (None, '/') if self.rest().starts_with('>') => {
                    self.i += 1;
                    break true;
                }
                (None, '<') => return Err(format!("'<' inside the start tag <{name}>")),
                (None, _) => {}
            }
        };
        if self_closing {
            return Ok((name, Value::String(String::new())));
        }
        let mut text = String::new();
        let mut children: Vec<(String, Value)> = Vec::new();
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(format!("element <{name}> is not closed"));
            }
            if rest.starts_with("</") {
                self.i += 2;
                let close = self.name()?;
                if close != name {
                    return Err(format!("</{close}> closes <{name}>"));
                }
                let trimmed = self.rest().trim_start();
                self.i = self.s.len() - trimmed.len();
                if !self.rest().starts_with('>') {
                    return Err(format!("malformed end tag </{close}>"));
                }
                self.i += 1;
                break;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
                let end = cdata
                    .find("]]>")
                    .ok_or_else(|| "unterminated CDATA section".to_owned())?;
                text.push_str(&cdata[..end]);
                self.i += "<![CDATA[".len() + end + 3;
            } else if rest.starts_with('<') {
                children.push(self.element()?);
            } else {
                let len = rest.find('<').unwrap_or(rest.len());
                text.push_str(&decode_entities(&rest[..len])?);
                self.i += len;
            }
        }
        if children.is_empty() {
            return Ok((name, Value::String(text.trim().to_owned())));
        }
        if !text.trim().is_empty() {
            return Err(format!("element <{name}> mixes text and elements"));
        }
        let mut map = Map::new();
        for (child, value) in children {
            match map.get_mut(&child) {
                None => {
                    map.insert(child, value);
                }
                Some(Value::Array(list)) => list.push(value),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
            }
        }
        Ok((name, Value::Object(map)))
    }
}

fn decode_entities(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| "an '&' that starts no entity".to_owned())?;
        let entity = &after[..end];
        let ch = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{entity};"))?
            }
        };
        out.push(ch);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_sellable_payload() {
        let v = parse(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Request><Product><Skus>\
             <Sku><ItemId>1</ItemId><SellerSku>A&amp;B</SellerSku><SellableQuantity> 20 </SellableQuantity></Sku>\
             <Sku><SellerSku><![CDATA[x<y]]></SellerSku><Price/></Sku></Skus></Product></Request>",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"Request":{"Product":{"Skus":{"Sku":[
                {"ItemId":"1","SellerSku":"A&B","SellableQuantity":"20"},
                {"SellerSku":"x<y","Price":""}
            ]}}}})
        );
    }

    #[test]
    fn refuses_malformed_documents() {
        for bad in [
            "<Request><Product></Request>",
            "<Request>",
            "<Request>a<b>c</b></Request>",
            "<Request>&bogus;</Request>",
            "<Request></Request><Other/>",
            "<!DOCTYPE x><Request/>",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
