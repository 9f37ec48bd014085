//! Markdown narrative rendered to safe HTML: CommonMark through
//! pulldown-cmark, then sanitised by ammonia, so no raw HTML, script, event
//! handler or `javascript:` link survives.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

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

/// How many rendered texts [`render_cached`] keeps before starting afresh.
const CACHE_ENTRIES: usize = 2048;

/// Rendered texts by their Markdown. A brief's narrative is read far more
/// often than it is written, and sanitising is the costly part of a brief
/// page; this cache only saves work (another instance without it renders
/// the same HTML), and it is bounded.
static RENDERED: LazyLock<Mutex<HashMap<Box<str>, Arc<str>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// [`render`], remembered: the same Markdown is rendered and sanitised once
/// per process (keyed by the whole text, so two texts never share a result).
pub fn render_cached(markdown: &str) -> Arc<str> {
    if let Some(html) = RENDERED
        .lock()
        .ok()
        .and_then(|cache| cache.get(markdown).cloned())
    {
        return html;
    }
    let html: Arc<str> = render(markdown).into();
    if let Ok(mut cache) = RENDERED.lock() {
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(markdown.into(), Arc::clone(&html));
    }
    html
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
    fn the_cache_gives_what_rendering_gives() {
        let text = "A *cached* paragraph with <script>x</script>.";
        let first = super::render_cached(text);
        assert_eq!(&*first, render(text));
        assert!(std::sync::Arc::ptr_eq(&first, &super::render_cached(text)));
        assert_ne!(&*super::render_cached("Another"), &*first);
    }

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
