//! Token rewriting for the mock module: progenitor's httpmock output is
//! adapted at the token level, before and after it is parsed.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

/// Rewrites `regex::Regex::new(X).unwrap()` into
/// `::httpmock::Regex::from(::std::string::String::from(X))`.
pub(super) fn httpmock_regex(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut index = 0;
    while index < trees.len() {
        if let Some(argument) = regex_call(&trees[index..]) {
            let argument = httpmock_regex(argument);
            out.extend(quote! {
                ::httpmock::Regex::from(::std::string::String::from(#argument))
            });
            index += REGEX_CALL.len() + 4;
            continue;
        }
        match &trees[index] {
            TokenTree::Group(group) => {
                let mut rewritten = Group::new(group.delimiter(), httpmock_regex(group.stream()));
                rewritten.set_span(group.span());
                out.push(TokenTree::Group(rewritten));
            }
            other => out.push(other.clone()),
        }
        index += 1;
    }
    out.into_iter().collect()
}

const REGEX_CALL: [&str; 7] = ["regex", ":", ":", "Regex", ":", ":", "new"];

/// The argument of `regex::Regex::new(X).unwrap()` at the start of `trees`.
fn regex_call(trees: &[TokenTree]) -> Option<TokenStream> {
    let n = REGEX_CALL.len();
    if trees.len() < n + 4
        || !REGEX_CALL
            .iter()
            .zip(trees)
            .all(|(w, t)| t.to_string() == *w)
    {
        return None;
    }
    let TokenTree::Group(argument) = &trees[n] else {
        return None;
    };
    let unwrap_call = matches!(&trees[n + 1], TokenTree::Punct(p) if p.as_char() == '.')
        && trees[n + 2].to_string() == "unwrap"
        && matches!(&trees[n + 3], TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis && g.stream().is_empty());
    (argument.delimiter() == Delimiter::Parenthesis && unwrap_call).then(|| argument.stream())
}

/// `#[doc = " text"]`, spaced like a `///` comment.
pub(super) fn doc_attribute(text: &str) -> syn::Attribute {
    let text = format!(" {text}");
    syn::parse_quote!(#[doc = #text])
}

/// The text of the first string literal in `tokens`, at any depth.
pub(super) fn first_string_literal(tokens: TokenStream) -> Option<String> {
    tokens.into_iter().find_map(|tree| match tree {
        TokenTree::Literal(literal) => {
            let text = literal.to_string();
            (text.starts_with('"') && text.ends_with('"') && text.len() >= 2)
                .then(|| text[1..text.len() - 1].to_string())
        }
        TokenTree::Group(group) => first_string_literal(group.stream()),
        _ => None,
    })
}

/// Whether the identifier `word` occurs in `tokens`, at any depth.
pub(super) fn mentions(tokens: TokenStream, word: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == word,
        TokenTree::Group(group) => mentions(group.stream(), word),
        _ => false,
    })
}

/// Rewrites `.json_body_obj(value)` into
/// `.json_body(crate::mock::support::AnswerJson::answer_json(value))`.
pub(super) fn answer_json(tokens: TokenStream) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut renamed = false;
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) if ident == "json_body_obj" => {
                renamed = true;
                out.push(TokenTree::Ident(proc_macro2::Ident::new(
                    "json_body",
                    ident.span(),
                )));
            }
            TokenTree::Group(group) if renamed && group.delimiter() == Delimiter::Parenthesis => {
                renamed = false;
                let argument = answer_json(group.stream());
                let call = quote!((crate::mock::support::AnswerJson::answer_json(#argument)));
                out.extend(call);
            }
            TokenTree::Group(group) => {
                let mut rewritten = Group::new(group.delimiter(), answer_json(group.stream()));
                rewritten.set_span(group.span());
                out.push(TokenTree::Group(rewritten));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// The first HTTP status code (100–599) among the literals of `tokens`.
pub(super) fn first_status_literal(tokens: TokenStream) -> Option<String> {
    tokens.into_iter().find_map(|tree| match tree {
        TokenTree::Literal(literal) => {
            let text = literal.to_string();
            // `self.0` is a literal too: look for a status code.
            let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            digits
                .parse::<u16>()
                .ok()
                .filter(|code| (100..600).contains(code))
                .map(|code| code.to_string())
        }
        TokenTree::Group(group) => first_status_literal(group.stream()),
        _ => None,
    })
}
