//! One case: its page ([`page`]), the facts its forms share ([`facts`]), and a form
//! of its own for each step that applies at its stage ([`steps`]).

pub(super) mod advice_links;
pub(super) mod casework;
pub(super) mod evidence;
pub(super) mod facts;
pub(super) mod page;
pub(super) mod steps;
