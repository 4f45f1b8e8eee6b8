//! Tests for the JSON Schema validator: error wording, limits, and random inputs.
use serde_json::json;

use super::*;
