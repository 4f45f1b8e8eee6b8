//! Tests for the ECMA-262 pattern fallback.
use super::*;
