//! A flat two-part badge in the shape of shields.io's, drawn from text
//! widths measured with a table of Verdana's advance widths, so no font or
//! outside service is needed.

use std::fmt::Write;

use super::Badge;

/// Font size of the badge text, in pixels.
const FONT_SIZE: f64 = 11.0;
/// Horizontal padding of each part: 5 pixels either side of its text.
const PADDING: u64 = 10;
/// Verdana's units per em.
const UNITS_PER_EM: f64 = 2048.0;

/// Verdana's advance widths, in font units, of the printable ASCII
/// characters from the space (0x20) to `~` (0x7e).
const ASCII_WIDTHS: [u16; 95] = [
    720, 806, 940, 1676, 1302, 2204, 1488, 550, 1018, 1018, 1302, 1676, 745, 930, 745,
    1018, // ' '..'/'
    1302, 1302, 1302, 1302, 1302, 1302, 1302, 1302, 1302, 1302, // '0'..'9'
    930, 930, 1676, 1676, 1676, 1117, 2048, // ':'..'@'
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 862, 931, 1414, 1145, 1715, // 'A'..'M'
    1532, 1620, 1241, 1620, 1426, 1402, 1247, 1501, 1401, 2025, 1405, 1246, 1388, // 'N'..'Z'
    1018, 1018, 1018, 1676, 1302, 1302, // '['..'`'
    1229, 1261, 1075, 1261, 1217, 719, 1261, 1294, 561, 678, 1176, 561, 1988, // 'a'..'m'
    1294, 1238, 1261, 1261, 874, 1063, 807, 1294, 1176, 1665, 1176, 1176, 1056, // 'n'..'z'
    1302, 1018, 1302, 1676, // '{'..'~'
];

/// Characters outside the table are taken as a full em wide: at least as
/// wide as any Latin letter, and as wide as a CJK ideograph, so the text
/// never runs past its part.
const OTHER_WIDTH: u16 = 2048;

/// The width in pixels of `text` in 11px Verdana.
pub fn text_width(text: &str) -> f64 {
    let units: u64 = text
        .chars()
        .map(|c| {
            let code = c as usize;
            let width = match code.checked_sub(0x20) {
                Some(i) if i < ASCII_WIDTHS.len() => ASCII_WIDTHS[i],
                _ => OTHER_WIDTH,
            };
            u64::from(width)
        })
        .sum();
    units as f64 * FONT_SIZE / UNITS_PER_EM
}

/// `text` safe inside an XML element or a double- or single-quoted
/// attribute: markup characters as entities, and characters XML 1.0 does
/// not allow (most control characters) as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => escaped.push('\u{fffd}'),
            c => escaped.push(c),
        }
    }
    escaped
}

/// One part of the badge: its text and where it sits.
struct Part {
    text: String,
    /// The text's width, rounded up.
    text_width: u64,
    /// The part's width, padding included.
    width: u64,
}

impl Part {
    fn new(text: &str) -> Part {
        let text_width = text_width(text).ceil() as u64;
        Part {
            text: escape(text),
            text_width,
            width: text_width + PADDING,
        }
    }

    /// The text twice, as shields.io draws it: a faint shadow one pixel
    /// lower, then the text. `textLength` holds it to the measured width
    /// whatever font the viewer has.
    fn write_text(&self, svg: &mut String, left: u64) {
        let centre = left as f64 + self.width as f64 / 2.0;
        let (text, length) = (&self.text, self.text_width);
        let _ = write!(
            svg,
            r##"<text x="{centre}" y="15" fill="#010101" fill-opacity=".3" textLength="{length}">{text}</text><text x="{centre}" y="14" textLength="{length}">{text}</text>"##
        );
    }
}

/// The badge as an SVG document.
pub fn render(badge: &Badge) -> String {
    let label = Part::new(&badge.label);
    let message = Part::new(&badge.message);
    let width = label.width + message.width;
    let (label_width, message_width) = (label.width, message.width);
    let colour = badge.colour.hex();
    let title = format!("{}: {}", label.text, message.text);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}"><title>{title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{label_width}" height="20" fill="#555"/><rect x="{label_width}" width="{message_width}" height="20" fill="{colour}"/><rect width="{width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">"##
    );
    label.write_text(&mut svg, 0);
    message.write_text(&mut svg, label.width);
    svg.push_str("</g></svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::badge::Colour;

    fn badge(label: &str, message: &str) -> Badge {
        Badge {
            label: label.to_owned(),
            message: message.to_owned(),
            colour: Colour::BrightGreen,
        }
    }

    #[test]
    fn escapes_markup_and_characters_xml_forbids() {
        let cases = [
            ("foo", "foo"),
            ("a & b", "a &amp; b"),
            ("<script>", "&lt;script&gt;"),
            (r#"say "hi""#, "say &quot;hi&quot;"),
            ("it's", "it&apos;s"),
            ("&amp;", "&amp;amp;"),
            ("a\u{1}b\u{1b}", "a\u{fffd}b\u{fffd}"),
            ("tab\there", "tab\there"),
            ("\u{ffff}", "\u{fffd}"),
            ("naïve 日本", "naïve 日本"),
        ];
        for (text, expected) in cases {
            assert_eq!(escape(text), expected, "{text:?}");
        }
    }

    #[test]
    fn widths_follow_verdana() {
        // shields.io's own badges: "pact" 23px, "verified" 41px.
        let cases = [("", 0.0), ("pact", 23.5), ("verified", 40.7), ("W", 10.9)];
        for (text, expected) in cases {
            let width = text_width(text);
            assert!((width - expected).abs() < 0.1, "{text:?}: {width}");
        }
        assert!(text_width("i") < text_width("m"));
        assert!(text_width("Ab") > text_width("A"));
        // Characters outside the table count a full em.
        assert_eq!(text_width("日本"), 22.0);
    }

    #[test]
    fn widths_grow_with_the_text() {
        let short = render(&badge("a", "b"));
        let long_name = "a-very-long-pacticipant-name".repeat(4);
        let long = render(&badge(&long_name, "b"));
        assert!(width_of(&long) > width_of(&short) + 500, "{long}");
        assert_eq!(width_of(&long), {
            let label = text_width(&long_name).ceil() as u64 + PADDING;
            let message = text_width("b").ceil() as u64 + PADDING;
            label + message
        });
    }

    fn width_of(svg: &str) -> u64 {
        let start = svg.find("width=\"").expect("a width") + 7;
        let end = start + svg[start..].find('"').expect("a closing quote");
        svg[start..end].parse().expect("a number")
    }

    #[test]
    fn draws_label_on_grey_and_message_on_its_colour() {
        let svg = render(&Badge {
            label: "pact".into(),
            message: "failed".into(),
            colour: Colour::Red,
        });
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        let label_width = text_width("pact").ceil() as u64 + PADDING;
        assert!(svg.contains(&format!(
            r##"<rect width="{label_width}" height="20" fill="#555"/>"##
        )));
        assert!(svg.contains(&format!(r##"<rect x="{label_width}" "##)));
        assert!(svg.contains(r##"fill="#e05d44""##));
        assert!(svg.contains("<title>pact: failed</title>"));
        assert_eq!(svg.matches(">pact</text>").count(), 2);
        assert_eq!(svg.matches(">failed</text>").count(), 2);
    }

    #[test]
    fn user_text_cannot_inject_markup() {
        let svg = render(&badge(r#"<a href="x">&"#, "'><script>"));
        assert!(!svg.contains("<a "), "{svg}");
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;a href=&quot;x&quot;&gt;&amp;"), "{svg}");
        assert!(svg.contains(
            r#"aria-label="&lt;a href=&quot;x&quot;&gt;&amp;: &apos;&gt;&lt;script&gt;""#
        ));
        // Every tag that opens closes: as many `<` as `>`.
        assert_eq!(svg.matches('<').count(), svg.matches('>').count());
    }
}
