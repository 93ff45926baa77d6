//! One emoji, as a reaction takes it.
//!
//! No table of every emoji: a reaction is accepted when it has the *shape* of one emoji (a
//! flag, a keycap, or pictographs joined by zero-width joiners, each with its optional
//! variation selector, skin tone and tags). That keeps the rule small and lets new emoji in
//! without a release, while letters, words, two emoji side by side and invisible characters
//! stay out.

use crate::values::Invalid;
use std::fmt;

/// One emoji in its canonical form: every U+FE0F (emoji presentation) dropped, then one put
/// back after each pictograph of the Basic Multilingual Plane and each keycap base that has
/// no skin tone, so that `❤` and `❤️` are one reaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Emoji(String);

const ZWJ: char = '\u{200D}';
const VS16: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';

impl Emoji {
    /// The most characters one emoji takes here (a family of four with skin tones is 15).
    pub const MAX_CHARS: usize = 16;
    /// The most bytes it takes once canonical.
    pub const MAX_BYTES: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("emoji", "must be one emoji");
        let chars: Vec<char> = raw.chars().filter(|&c| c != VS16).collect();
        if chars.is_empty() || chars.len() > Self::MAX_CHARS {
            return Err(invalid());
        }
        let parts: Vec<&[char]> = chars.split(|&c| c == ZWJ).collect();
        if parts.len() > 8 || parts.iter().any(|p| p.is_empty()) {
            return Err(invalid());
        }
        let sole = parts.len() == 1;
        let ok = parts
            .iter()
            .all(|p| pictograph(p) || (sole && (flag(p) || keycap(p))));
        if !ok {
            return Err(invalid());
        }
        let canonical = canonical(&chars);
        if canonical.len() > Self::MAX_BYTES {
            return Err(invalid());
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Emoji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007F}').contains(&c)
}

fn keycap_base(c: char) -> bool {
    c.is_ascii_digit() || c == '#' || c == '*'
}

/// Characters that start an emoji: the Extended_Pictographic ranges that matter, without
/// regional indicators and skin tones (which only modify or pair).
fn pictographic(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}' | '\u{231A}'..='\u{23FF}' | '\u{24C2}'
        | '\u{25AA}'..='\u{27BF}' | '\u{2934}'..='\u{2935}' | '\u{2B05}'..='\u{2B55}'
        | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}' | '\u{1F000}'..='\u{1FAFF}')
        && !regional_indicator(c)
        && !skin_tone(c)
}

/// A flag: two regional indicators.
fn flag(p: &[char]) -> bool {
    p.len() == 2 && p.iter().all(|&c| regional_indicator(c))
}

/// A keycap: `0`-`9`, `#` or `*`, then U+20E3 (U+FE0F between them was dropped).
fn keycap(p: &[char]) -> bool {
    matches!(p, [base, KEYCAP] if keycap_base(*base))
}

/// A pictograph, then at most one skin tone, then tags (subdivision flags).
fn pictograph(p: &[char]) -> bool {
    let [first, rest @ ..] = p else { return false };
    if !pictographic(*first) {
        return false;
    }
    let rest = match rest {
        [tone, rest @ ..] if skin_tone(*tone) => rest,
        _ => rest,
    };
    rest.iter().all(|&c| tag(c))
}

fn canonical(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len() * 4 + 4);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        let next = chars.get(i + 1).copied();
        let bmp_base = (pictographic(c) && u32::from(c) <= 0xFFFF) || keycap_base(c);
        if bmp_base && !next.is_some_and(skin_tone) {
            out.push(VS16);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Emoji::parse(raw)
            .map(|e| e.0)
            .unwrap_or_else(|e| panic!("{raw:?}: {e}"))
    }

    #[test]
    fn emoji_accepts_single_emoji_and_refuses_the_rest() {
        for e in ["👍", "🎉", "😂", "👍🏽", "👨‍👩‍👧", "🏴‍☠️", "🇫🇷", "#️⃣", "❤️‍🔥", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]
        {
            assert_eq!(ok(e), e, "{e} is canonical already");
        }
        for bad in [
            "",
            "a",
            ":)",
            "👍👍",
            "👍 ",
            " 👍",
            "\u{200D}",
            "👍\u{200D}",
            "\u{200D}👍",
            "👍\u{200D}\u{200D}🎉",
            "🇫",
            "🇫🇷🇩🇪",
            "🇫🇷\u{200D}👍",
            "1",
            "#",
            "12\u{20E3}",
            "\u{1F3FB}",
            "\u{FE0F}",
            "a\u{20E3}\u{200D}👍",
            "👍\u{0301}",
            "\u{0000}",
        ] {
            assert_eq!(
                Emoji::parse(bad).map_err(|e| e.field),
                Err("emoji"),
                "{bad:?} is not one emoji"
            );
        }
    }

    #[test]
    fn one_emoji_has_one_spelling() {
        assert_eq!(ok("❤"), "❤\u{FE0F}");
        assert_eq!(ok("❤\u{FE0F}"), "❤\u{FE0F}");
        assert_eq!(ok("👍\u{FE0F}"), "👍");
        assert_eq!(ok("#\u{20E3}"), "#\u{FE0F}\u{20E3}");
        assert_eq!(ok("☝\u{1F3FD}"), "☝\u{1F3FD}");
        assert_eq!(ok("❤\u{200D}🔥"), "❤\u{FE0F}\u{200D}🔥");
    }

    #[test]
    fn long_sequences_are_refused() {
        let nine = ["👍"; 9].join("\u{200D}");
        assert!(Emoji::parse(&nine).is_err());
        let eight = ["👍"; 8].join("\u{200D}");
        assert!(Emoji::parse(&eight).is_ok());
    }
}
