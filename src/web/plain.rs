//! Values that HTML never needs escaped, checked once rather than escaped at every use.

use askama::filters::{Escaper, Html, HtmlSafe};
use std::fmt;

/// Text made only of ASCII letters, digits, '-' and '_': ids and CSRF tokens. A row of Account
/// Management writes its id six times and the token twice; askama escapes a value byte by byte at
/// every use, which was a tenth of the page's rendering. Text with any other character is escaped
/// like any value, so a `Plain` is never less safe than a `String`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    text: String,
    needs_escaping: bool,
}

impl Plain {
    pub fn new(text: String) -> Self {
        let needs_escaping = !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        Self {
            text,
            needs_escaping,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<String> for Plain {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.needs_escaping {
            Html.write_escaped_str(f, &self.text)
        } else {
            f.write_str(&self.text)
        }
    }
}

/// askama writes a `Plain` through its `Display`, which escapes what needs it.
impl HtmlSafe for Plain {}

#[cfg(test)]
mod tests {
    use super::Plain;
    use askama::Template;

    #[derive(Template)]
    #[template(source = r#"<a id="{{ p }}">"#, ext = "html")]
    struct Attr {
        p: Plain,
    }

    fn render(text: &str) -> String {
        Attr {
            p: Plain::new(text.to_string()),
        }
        .render()
        .unwrap()
    }

    #[test]
    fn ids_and_tokens_are_written_as_they_are() {
        assert_eq!(
            render("019ab57c-cc79-7000-8000-000000035dac"),
            r#"<a id="019ab57c-cc79-7000-8000-000000035dac">"#
        );
        assert_eq!(render("_DKCQYnBk9Uk"), r#"<a id="_DKCQYnBk9Uk">"#);
    }

    #[test]
    fn anything_else_is_escaped_as_usual() {
        assert_eq!(
            render(r#"x" onclick="alert('&')"#),
            r#"<a id="x&#34; onclick=&#34;alert(&#39;&#38;&#39;)">"#
        );
        assert_eq!(render("a b<"), r#"<a id="a b&#60;">"#);
    }
}
