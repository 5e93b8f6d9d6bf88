//! Strings that match the simple regular expressions documents give as `pattern`, for
//! [`super::synth`] (no regex crate generates strings from a pattern; the subset documents use
//! is small: literals, classes, groups, quantifiers).

use super::synth::Rng;

/// A string matching a simple regular expression: literals, escapes (`\d \w \s`, escaped
/// punctuation), classes (`[a-z0-9_]`, negated ones), `.`, groups with alternatives (the first
/// is taken), and the quantifiers `? * + {n} {n,} {n,m}` (the least count that is at least 1,
/// `{0}` kept). `None` for what it does not know (look-arounds, back-references).
pub(crate) fn from_pattern(pattern: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let out = sequence(&chars, &mut at, rng)?;
    (at == chars.len()).then_some(out)
}

fn sequence(chars: &[char], at: &mut usize, rng: &mut Rng) -> Option<String> {
    let mut alternatives = vec![String::new()];
    while let Some(&c) = chars.get(*at) {
        if c == ')' {
            break;
        }
        if c == '|' {
            *at += 1;
            alternatives.push(String::new());
            continue;
        }
        let atom = atom(chars, at, rng)?;
        let (low, _) = quantifier(chars, at)?;
        let last = alternatives.last_mut()?;
        for _ in 0..low {
            last.push_str(&atom.clone().unwrap_or_default());
        }
    }
    // Any alternative matches; the generator picks one, so repeated draws (the items of a
    // `uniqueItems` array) can differ.
    let i = rng.below(alternatives.len());
    alternatives.into_iter().nth(i)
}

/// One atom's text (`None` inside for an anchor, which matches the empty string).
fn atom(chars: &[char], at: &mut usize, rng: &mut Rng) -> Option<Option<String>> {
    let c = *chars.get(*at)?;
    *at += 1;
    Some(match c {
        '^' | '$' => None,
        '.' => Some("a".to_owned()),
        '\\' => {
            let e = *chars.get(*at)?;
            *at += 1;
            Some(match e {
                'd' => (rng.below(10)).to_string(),
                'w' => "a".to_owned(),
                's' => " ".to_owned(),
                'b' | 'B' | 'A' | 'z' | 'Z' => return Some(None),
                c if c.is_ascii_alphanumeric() => return None,
                c => c.to_string(),
            })
        }
        '[' => Some(class(chars, at)?.to_string()),
        '(' => {
            if chars.get(*at) == Some(&'?') {
                if chars.get(*at + 1) != Some(&':') {
                    return None;
                }
                *at += 2;
            }
            let inner = sequence(chars, at, rng)?;
            if chars.get(*at) != Some(&')') {
                return None;
            }
            *at += 1;
            Some(inner)
        }
        '*' | '+' | '?' | '{' | ')' | '|' => return None,
        c => Some(c.to_string()),
    })
}

/// A character of a class (`[...]`, at is past the `[`).
fn class(chars: &[char], at: &mut usize) -> Option<char> {
    let negated = chars.get(*at) == Some(&'^');
    if negated {
        *at += 1;
    }
    let mut members: Vec<(char, char)> = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*at)?;
        *at += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = if c == '\\' {
            let e = *chars.get(*at)?;
            *at += 1;
            match e {
                'd' => {
                    members.push(('0', '9'));
                    continue;
                }
                'w' => {
                    members.push(('a', 'z'));
                    continue;
                }
                's' => {
                    members.push((' ', ' '));
                    continue;
                }
                e => e,
            }
        } else {
            c
        };
        if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|n| *n != ']') {
            let high = *chars.get(*at + 1)?;
            *at += 2;
            members.push((low, high));
        } else {
            members.push((low, low));
        }
    }
    if negated {
        return ('a'..='z').chain('0'..='9').find(|c| !members.iter().any(|(l, h)| (*l..=*h).contains(c)));
    }
    // Prefer a letter or digit member, for values that read well.
    members.iter().find(|(l, _)| l.is_ascii_alphanumeric()).or(members.first()).map(|(l, _)| *l)
}

/// The repetition after an atom: (least count used, whether it was given).
fn quantifier(chars: &[char], at: &mut usize) -> Option<(usize, bool)> {
    let found = match chars.get(*at) {
        Some('?' | '*' | '+') => {
            *at += 1;
            (1, true)
        }
        Some('{') => {
            let close = chars[*at..].iter().position(|c| *c == '}')? + *at;
            let inside: String = chars[*at + 1..close].iter().collect();
            *at = close + 1;
            let (low, high) = match inside.split_once(',') {
                Some((low, high)) => (low.trim().parse::<usize>().ok()?, high.trim().parse::<usize>().ok()),
                None => {
                    let n = inside.trim().parse::<usize>().ok()?;
                    (n, Some(n))
                }
            };
            let n = if low == 0 && high != Some(0) { 1 } else { low };
            (n, true)
        }
        _ => (1, false),
    };
    // A lazy or possessive marker changes nothing here.
    if found.1 && matches!(chars.get(*at), Some('?' | '+')) {
        *at += 1;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn simple_patterns_are_matched() {
        let mut rng = Rng::new(1);
        let mut make = |p: &str| from_pattern(p, &mut rng);
        let digits = make(r"^\d{4}-\d{2}$").unwrap();
        assert!(digits.len() == 7 && digits.chars().nth(4) == Some('-'), "{digits}");
        assert!(digits.chars().filter(|c| *c != '-').all(|c| c.is_ascii_digit()), "{digits}");
        assert_eq!(make("^[A-Z]{3}$").unwrap(), "AAA");
        assert!(["usd", "eur"].contains(&make("^(?:usd|eur)$").unwrap().as_str()));
        assert_eq!(make(r"^[^0-9]+\.txt$").unwrap(), "a.txt");
        assert_eq!(make("^ab?c*d+$").unwrap(), "abcd");
        assert_eq!(make("^x{0}y$").unwrap(), "y");
        assert_eq!(make(r"^(?=a)"), None, "look-arounds are not known");
        assert_eq!(make(r"(a)\1"), None, "nor back-references");
    }

    #[test]
    fn alternatives_are_drawn_not_always_the_first() {
        let mut rng = Rng::new(7);
        let drawn: std::collections::BTreeSet<String> =
            (0..20).filter_map(|_| from_pattern("^(0|[1-9][0-9]*)$", &mut rng)).collect();
        assert_eq!(drawn.len(), 2, "{drawn:?}");
    }
}
