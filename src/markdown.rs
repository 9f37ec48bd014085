//! Markdown narrative rendered to safe HTML: CommonMark through
//! pulldown-cmark, then sanitised by ammonia, so no raw HTML, script, event
//! handler or `javascript:` link survives.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

/// The sanitiser, built once: its allow-lists are hash sets that are costly
/// to build on every call.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // No images: a signed document should not load anything.
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// Whether Markdown shows any text once rendered and sanitised (blank input
/// counts as showing something: it is simply empty, not stripped).
pub fn shows_something(markdown: &str) -> bool {
    if markdown.trim().is_empty() {
        return true;
    }
    let html = render(markdown);
    let mut inside_tag = false;
    html.chars().any(|c| match c {
        '<' => {
            inside_tag = true;
            false
        }
        '>' => {
            inside_tag = false;
            false
        }
        c => !inside_tag && !c.is_whitespace(),
    })
}

/// Renders Markdown to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let mut unsafe_html = String::new();
    html::push_html(
        &mut unsafe_html,
        Parser::new_ext(
            markdown,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        ),
    );
    SANITISER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn formatting_survives() {
        let html = render("**Bold** and a [link](https://example.com).\n\n- one\n- two");
        assert!(html.contains("<strong>Bold</strong>"));
        assert!(html.contains("href=\"https://example.com\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
        assert!(html.contains("<li>one</li>"));
    }

    #[test]
    fn text_that_sanitises_to_nothing_is_noticed() {
        assert!(super::shows_something("Plain words"));
        assert!(super::shows_something("   "));
        assert!(!super::shows_something("<script>alert(1)</script>"));
        assert!(!super::shows_something("<img src=x onerror=alert(1)>"));
        assert!(super::shows_something("<b>bold</b> survives as text"));
    }

    #[test]
    fn hostile_input_is_inert() {
        for payload in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        ] {
            let html = render(payload).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "javascript:",
                "<iframe",
                "data:text",
            ] {
                assert!(!html.contains(bad), "{payload:?} rendered {html:?}");
            }
        }
    }
}
