//! HTML escaping and a tiny string builder for the built-in pages.
//!
//! Everything that is not a literal written in this module's callers is
//! escaped: text content and attribute values alike. Attribute
//! names and tag names are always literals of keyway's own code, never user
//! input, and every attribute value is written between double quotes.

use std::fmt::Write as _;

/// Escapes `s` for use as HTML text or as a double- or single-quoted
/// attribute value: `&`, `<`, `>`, `"` and `'` become `&amp;`, `&lt;`,
/// `&gt;`, `&quot;` and `&#x27;`; everything else is kept.
///
/// ```
/// assert_eq!(
///     keyway_core::pages::escape_html(r#"<a title='x'>"&"</a>"#),
///     "&lt;a title=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;/a&gt;"
/// );
/// ```
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// [`escape_html`] appending to `out`.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// An attribute: a literal name and an untrusted value (escaped on output).
pub(crate) type Attr<'a> = (&'static str, &'a str);

/// Builds an HTML fragment. Tag and attribute names are `&'static str`
/// literals; every value and every text is escaped.
#[derive(Default)]
pub(crate) struct Html {
    buf: String,
}

impl Html {
    /// An empty fragment.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends trusted markup written by keyway itself.
    pub(crate) fn raw(&mut self, markup: &str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    /// Appends escaped text.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.buf, text);
        self
    }

    /// `<tag a="v" ...>`
    pub(crate) fn open(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> &mut Self {
        self.start_tag(tag, attrs);
        self.buf.push('>');
        self
    }

    /// `<tag a="v" .../>` for void elements (`input`, `img`, `hr`, `meta`).
    pub(crate) fn void(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> &mut Self {
        self.start_tag(tag, attrs);
        self.buf.push_str("/>");
        self
    }

    /// `</tag>`
    pub(crate) fn close(&mut self, tag: &'static str) -> &mut Self {
        // Writing to a String cannot fail.
        let _ = write!(self.buf, "</{tag}>");
        self
    }

    /// `<tag a="v" ...>text</tag>` with `text` escaped.
    pub(crate) fn element(
        &mut self,
        tag: &'static str,
        attrs: &[Attr<'_>],
        text: &str,
    ) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// Appends a line break between block-level elements, which keeps the
    /// output readable without changing how it renders.
    pub(crate) fn nl(&mut self) -> &mut Self {
        self.buf.push('\n');
        self
    }

    /// The finished markup.
    pub(crate) fn finish(self) -> String {
        self.buf
    }

    fn start_tag(&mut self, tag: &'static str, attrs: &[Attr<'_>]) {
        self.buf.push('<');
        self.buf.push_str(tag);
        for (name, value) in attrs {
            self.buf.push(' ');
            self.buf.push_str(name);
            self.buf.push_str("=\"");
            escape_into(&mut self.buf, value);
            self.buf.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(s: &str) -> String {
        let mut h = Html::new();
        h.text(s);
        h.finish()
    }

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("plain 한국어 日本語"), "plain 한국어 日本語");
    }

    #[test]
    fn builder_escapes_values_and_text() {
        let mut h = Html::new();
        h.open("form", &[("action", "/x?a=1&b=\"2\"")])
            .void("input", &[("value", "'><script>")])
            .element("button", &[], "<b>go</b>")
            .close("form");
        assert_eq!(
            h.finish(),
            "<form action=\"/x?a=1&amp;b=&quot;2&quot;\"><input value=\"&#x27;&gt;&lt;script&gt;\"/>\
             <button>&lt;b&gt;go&lt;/b&gt;</button></form>"
        );
    }
}
