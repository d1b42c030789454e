//! Placements: the register of education settings an authority places children in, and
//! (to come, issue 16) the placement decisions that name one.

pub mod register;
