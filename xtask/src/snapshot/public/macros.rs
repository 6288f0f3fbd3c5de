//! Expanding the crate's own `macro_rules!` where they produce items, so
//! that a type or method a macro defines is listed like a written one.
//!
//! No maintained crate expands `macro_rules!` on `proc_macro2` tokens (the
//! one that does, rust-analyzer's `ra_ap_mbe`, works on its own token trees
//! and brings rust-analyzer's syntax crates with it), so this covers what
//! item-producing macros use: literal tokens, `$name:fragment` (fragments
//! that are one token, or that syn parses: `ty`, `path`, `expr`, `meta`, …),
//! and `$( … ) sep? op` repetitions, matched greedily arm by arm as rustc
//! does for unambiguous macros. Hygiene does not matter for signatures.
//! What does not match is reported by the caller, never guessed.

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use std::collections::BTreeMap;

/// One arm's matcher or transcriber, read once.
#[derive(Debug, Clone)]
enum Part {
    Token(TokenTree),
    Group(Delimiter, Vec<Part>),
    /// `$name:kind` in a matcher, `$name` in a transcriber.
    Var(String, Option<String>),
    Repeat(Vec<Part>, Option<TokenTree>, char),
    /// `$crate`.
    Crate,
}

#[derive(Debug, Clone)]
enum Captured {
    One(Vec<TokenTree>),
    Many(Vec<BTreeMap<String, Captured>>),
}

type Captures = BTreeMap<String, Captured>;

pub struct MacroRules {
    arms: Vec<(Vec<Part>, Vec<Part>)>,
}

impl MacroRules {
    /// The arms of a `macro_rules! name { … }` body.
    pub fn parse(body: TokenStream) -> Option<MacroRules> {
        let tokens: Vec<TokenTree> = body.into_iter().collect();
        let mut arms = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let TokenTree::Group(matcher) = &tokens[i] else {
                return None;
            };
            let arrow = matches!((tokens.get(i + 1), tokens.get(i + 2)),
                (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == '=' && b.as_char() == '>');
            let Some(TokenTree::Group(transcriber)) = tokens.get(i + 3).filter(|_| arrow) else {
                return None;
            };
            arms.push((
                parts(&stream(matcher), true),
                parts(&stream(transcriber), false),
            ));
            i += 4;
            if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                i += 1;
            }
        }
        Some(MacroRules { arms })
    }

    /// The expansion of an invocation with `input`, from the first arm that
    /// matches all of it.
    pub fn expand(&self, input: TokenStream) -> Option<TokenStream> {
        let input: Vec<TokenTree> = input.into_iter().collect();
        self.arms.iter().find_map(|(matcher, transcriber)| {
            let mut captures = Captures::new();
            let used = match_parts(matcher, &input, &mut captures)?;
            (used == input.len()).then(|| transcribe(transcriber, &captures))
        })
    }
}

fn stream(group: &Group) -> Vec<TokenTree> {
    group.stream().into_iter().collect()
}

fn parts(tokens: &[TokenTree], matcher: bool) -> Vec<Part> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(dollar) if dollar.as_char() == '$' && i + 1 < tokens.len() => {
                match &tokens[i + 1] {
                    TokenTree::Ident(name) if name == "crate" => {
                        out.push(Part::Crate);
                        i += 2;
                    }
                    TokenTree::Ident(name) => {
                        let kind = match (tokens.get(i + 2), tokens.get(i + 3)) {
                            (Some(TokenTree::Punct(colon)), Some(TokenTree::Ident(kind)))
                                if matcher && colon.as_char() == ':' =>
                            {
                                Some(kind.to_string())
                            }
                            _ => None,
                        };
                        i += if kind.is_some() { 4 } else { 2 };
                        out.push(Part::Var(name.to_string(), kind));
                    }
                    TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => {
                        let inner = parts(&stream(group), matcher);
                        let (separator, op, used) = match (tokens.get(i + 2), tokens.get(i + 3)) {
                            (Some(TokenTree::Punct(op)), _) if "*+?".contains(op.as_char()) => {
                                (None, op.as_char(), 3)
                            }
                            (Some(separator), Some(TokenTree::Punct(op)))
                                if "*+?".contains(op.as_char()) =>
                            {
                                (Some(separator.clone()), op.as_char(), 4)
                            }
                            _ => (None, '*', 2),
                        };
                        out.push(Part::Repeat(inner, separator, op));
                        i += used;
                    }
                    _ => {
                        out.push(Part::Token(tokens[i].clone()));
                        i += 1;
                    }
                }
            }
            TokenTree::Group(group) => {
                out.push(Part::Group(
                    group.delimiter(),
                    parts(&stream(group), matcher),
                ));
                i += 1;
            }
            other => {
                out.push(Part::Token(other.clone()));
                i += 1;
            }
        }
    }
    out
}

fn same_token(a: &TokenTree, b: &TokenTree) -> bool {
    match (a, b) {
        (TokenTree::Punct(x), TokenTree::Punct(y)) => x.as_char() == y.as_char(),
        (TokenTree::Ident(x), TokenTree::Ident(y)) => x == y,
        (TokenTree::Literal(x), TokenTree::Literal(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

/// How many of `input`'s tokens `parts` match (all of them, in order).
fn match_parts(parts: &[Part], input: &[TokenTree], captures: &mut Captures) -> Option<usize> {
    let mut at = 0;
    for part in parts {
        let rest = &input[at..];
        at += match part {
            Part::Token(token) => {
                if !same_token(token, rest.first()?) {
                    return None;
                }
                1
            }
            Part::Group(delimiter, inner) => {
                let TokenTree::Group(group) = rest.first()? else {
                    return None;
                };
                let tokens = stream(group);
                if group.delimiter() != *delimiter
                    || match_parts(inner, &tokens, captures)? != tokens.len()
                {
                    return None;
                }
                1
            }
            Part::Var(name, kind) => {
                let used = fragment(kind.as_deref().unwrap_or("tt"), rest)?;
                captures.insert(name.clone(), Captured::One(rest[..used].to_vec()));
                used
            }
            Part::Repeat(inner, separator, op) => {
                let mut iterations = Vec::new();
                let mut used = 0;
                loop {
                    let mut start = used;
                    if let (Some(separator), false) = (separator, iterations.is_empty()) {
                        match rest.get(start) {
                            Some(next) if same_token(separator, next) => start += 1,
                            _ => break,
                        }
                    }
                    let mut one = Captures::new();
                    match match_parts(inner, &rest[start..], &mut one) {
                        Some(n) if n > 0 => {
                            iterations.push(one);
                            used = start + n;
                        }
                        _ => break,
                    }
                    if *op == '?' {
                        break;
                    }
                }
                if *op == '+' && iterations.is_empty() {
                    return None;
                }
                for name in variables(inner) {
                    let each = iterations
                        .iter()
                        .map(|c| {
                            c.get(&name)
                                .cloned()
                                .map(|v| BTreeMap::from([(name.clone(), v)]))
                                .unwrap_or_default()
                        })
                        .collect();
                    captures.insert(name, Captured::Many(each));
                }
                used
            }
            Part::Crate => return None,
        };
    }
    Some(at)
}

fn variables(parts: &[Part]) -> Vec<String> {
    let mut names = Vec::new();
    for part in parts {
        match part {
            Part::Var(name, _) => names.push(name.clone()),
            Part::Group(_, inner) | Part::Repeat(inner, _, _) => names.extend(variables(inner)),
            _ => {}
        }
    }
    names
}

/// How many tokens a fragment of `kind` takes at the start of `input`.
fn fragment(kind: &str, input: &[TokenTree]) -> Option<usize> {
    let first = input.first();
    match kind {
        "tt" => first.map(|_| 1),
        "ident" => matches!(first?, TokenTree::Ident(_)).then_some(1),
        "lifetime" => match (first?, input.get(1)) {
            (TokenTree::Punct(p), Some(TokenTree::Ident(_))) if p.as_char() == '\'' => Some(2),
            _ => None,
        },
        "literal" => match (first?, input.get(1)) {
            (TokenTree::Literal(_), _) => Some(1),
            (TokenTree::Punct(p), Some(TokenTree::Literal(_))) if p.as_char() == '-' => Some(2),
            (TokenTree::Ident(b), _) if b == "true" || b == "false" => Some(1),
            _ => None,
        },
        "ty" => parsed_prefix::<syn::Type>(input),
        "path" => parsed_prefix::<syn::Path>(input),
        "expr" => parsed_prefix::<syn::Expr>(input),
        "meta" => parsed_prefix::<syn::Meta>(input),
        "vis" => parsed_prefix::<syn::Visibility>(input),
        "item" => parsed_prefix::<syn::Item>(input),
        "block" => parsed_prefix::<syn::Block>(input),
        "stmt" => parsed_prefix::<syn::Stmt>(input),
        "pat" | "pat_param" => {
            let parse = |stream: syn::parse::ParseStream| {
                syn::Pat::parse_single(stream)?;
                stream.parse::<TokenStream>()
            };
            rest_after(input, parse)
        }
        _ => None,
    }
}

fn parsed_prefix<T: syn::parse::Parse>(input: &[TokenTree]) -> Option<usize> {
    rest_after(input, |stream: syn::parse::ParseStream| {
        stream.parse::<T>()?;
        stream.parse::<TokenStream>()
    })
}

/// Tokens used by `parser`, which returns what it left.
fn rest_after(
    input: &[TokenTree],
    parser: impl FnOnce(syn::parse::ParseStream) -> syn::Result<TokenStream>,
) -> Option<usize> {
    use syn::parse::Parser;
    let tokens: TokenStream = input.iter().cloned().collect();
    let rest = parser.parse2(tokens).ok()?;
    Some(input.len() - rest.into_iter().count())
}

fn transcribe(parts: &[Part], captures: &Captures) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    for part in parts {
        match part {
            Part::Token(token) => out.push(token.clone()),
            Part::Crate => out.push(TokenTree::Ident(proc_macro2::Ident::new(
                "crate",
                proc_macro2::Span::call_site(),
            ))),
            Part::Group(delimiter, inner) => {
                out.push(TokenTree::Group(Group::new(
                    *delimiter,
                    transcribe(inner, captures),
                )));
            }
            Part::Var(name, _) => match captures.get(name) {
                Some(Captured::One(tokens)) => out.extend(tokens.iter().cloned()),
                // An unbound `$x` is literal text in rustc; never in item macros.
                _ => {
                    out.push(TokenTree::Punct(proc_macro2::Punct::new(
                        '$',
                        Spacing::Alone,
                    )));
                    out.push(TokenTree::Ident(proc_macro2::Ident::new(
                        name,
                        proc_macro2::Span::call_site(),
                    )));
                }
            },
            Part::Repeat(inner, separator, _) => {
                let repeated: Vec<&String> = variables(inner)
                    .iter()
                    .filter_map(|n| match captures.get_key_value(n) {
                        Some((key, Captured::Many(_))) => Some(key),
                        _ => None,
                    })
                    .collect();
                let count = repeated
                    .iter()
                    .filter_map(|n| match captures.get(*n) {
                        Some(Captured::Many(each)) => Some(each.len()),
                        _ => None,
                    })
                    .min()
                    .unwrap_or(0);
                for index in 0..count {
                    if index > 0 {
                        out.extend(separator.iter().cloned());
                    }
                    let mut scope = captures.clone();
                    for name in &repeated {
                        if let Some(Captured::Many(each)) = captures.get(*name) {
                            if let Some(value) = each[index].get(*name) {
                                scope.insert((*name).clone(), value.clone());
                            }
                        }
                    }
                    out.extend(transcribe(inner, &scope));
                }
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn expand(rules: TokenStream, input: TokenStream) -> String {
        let rules = MacroRules::parse(rules).unwrap();
        rules
            .expand(input)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn expands_fragments_repetitions_and_arms() {
        let rules = quote! {
            ($(#[$doc:meta])* $name:ident, $kind:literal) => {
                $(#[$doc])* pub struct $name(String);
                impl $name { pub fn kind() -> &'static str { $kind } }
            };
            ($name:ident => $($field:ident : $ty:ty),* $(,)?) => {
                pub struct $name { $(pub $field: $ty),* }
            };
        };
        let text = expand(
            rules.clone(),
            quote! { #[doc = "An id."] DeviceId, "device" },
        );
        assert!(
            text.starts_with("# [doc = \"An id.\"] pub struct DeviceId (String) ;"),
            "{text}"
        );
        assert!(text.contains("\"device\""), "{text}");
        let text = expand(rules, quote! { Point => x: Vec<u8>, y: Option<u32>, });
        assert_eq!(
            text,
            "pub struct Point { pub x : Vec < u8 > , pub y : Option < u32 > }"
        );
    }

    #[test]
    fn an_invocation_no_arm_matches_has_no_expansion() {
        let rules = MacroRules::parse(quote! { ($name:ident) => { pub struct $name; }; }).unwrap();
        assert!(rules.expand(quote! { "not an ident" }).is_none());
        assert!(rules.expand(quote! { A B }).is_none());
    }
}
