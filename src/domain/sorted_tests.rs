//! `SortedMap` and `SortedSet` against the standard `BTreeMap` and `BTreeSet`: the same
//! operations give the same contents, order, answers and serde text.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::{SortedMap, SortedSet};

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u16),
    Remove(u8),
    Entry(u8, u16),
    Retain(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
        any::<u8>().prop_map(Op::Remove),
        (any::<u8>(), any::<u16>()).prop_map(|(k, v)| Op::Entry(k, v)),
        any::<u8>().prop_map(Op::Retain),
    ]
}

proptest! {
    #[test]
    fn a_map_does_what_a_btree_map_does(ops in proptest::collection::vec(op(), 0..200)) {
        let mut ours: SortedMap<u8, u16> = SortedMap::new();
        let mut std: BTreeMap<u8, u16> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), std.insert(k, v)),
                Op::Remove(k) => prop_assert_eq!(ours.remove(&k), std.remove(&k)),
                Op::Entry(k, v) => {
                    let x = ours.entry(k).and_modify(|x| *x = x.wrapping_add(1)).or_insert(v);
                    *x = x.wrapping_add(2);
                    let y = std.entry(k).and_modify(|x| *x = x.wrapping_add(1)).or_insert(v);
                    *y = y.wrapping_add(2);
                }
                Op::Retain(m) => {
                    ours.retain(|k, _| k % (m % 7 + 1) != 0);
                    std.retain(|k, _| k % (m % 7 + 1) != 0);
                }
            }
            prop_assert_eq!(ours.len(), std.len());
        }
        let a: Vec<(u8, u16)> = ours.iter().map(|(k, v)| (*k, *v)).collect();
        let b: Vec<(u8, u16)> = std.iter().map(|(k, v)| (*k, *v)).collect();
        prop_assert_eq!(&a, &b);
        for k in 0..=255u8 {
            prop_assert_eq!(ours.get(&k), std.get(&k));
            prop_assert_eq!(ours.contains_key(&k), std.contains_key(&k));
        }
        prop_assert_eq!(ours.first_key_value(), std.first_key_value());
        prop_assert_eq!(ours.last_key_value(), std.last_key_value());
        prop_assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&std).unwrap());
    }

    #[test]
    fn collecting_keeps_the_last_value_of_a_key_as_a_btree_map_does(
        pairs in proptest::collection::vec((0u8..20, any::<u16>()), 0..60)
    ) {
        let ours: SortedMap<u8, u16> = pairs.iter().copied().collect();
        let std: BTreeMap<u8, u16> = pairs.iter().copied().collect();
        let a: Vec<(u8, u16)> = ours.into_iter().collect();
        let b: Vec<(u8, u16)> = std.into_iter().collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_set_does_what_a_btree_set_does(
        ins in proptest::collection::vec(any::<u8>(), 0..100),
        del in proptest::collection::vec(any::<u8>(), 0..50),
    ) {
        let mut ours: SortedSet<u8> = ins.iter().copied().collect();
        let mut std: BTreeSet<u8> = ins.iter().copied().collect();
        for x in &ins {
            prop_assert_eq!(ours.insert(*x), std.insert(*x));
        }
        for x in &del {
            prop_assert_eq!(ours.remove(x), std.remove(x));
        }
        prop_assert_eq!(ours.iter().collect::<Vec<_>>(), std.iter().collect::<Vec<_>>());
        prop_assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&std).unwrap());
    }
}

/// A stored map reads back as the standard map wrote it, and a string key (a draft's runs by
/// model key) orders as a `BTreeMap` orders it.
#[test]
fn stored_maps_read_back_unchanged() {
    let text = r#"{"2":"b","10":"c","1":"a"}"#;
    let ours: SortedMap<u32, String> = serde_json::from_str(text).unwrap();
    let std: BTreeMap<u32, String> = serde_json::from_str(text).unwrap();
    assert_eq!(
        serde_json::to_string(&ours).unwrap(),
        serde_json::to_string(&std).unwrap()
    );
    assert_eq!(ours[&10], "c");
    let keys: SortedMap<String, u8> =
        [("b".to_owned(), 1), (String::new(), 0), ("a".to_owned(), 2)].into();
    assert_eq!(
        keys.keys().map(String::as_str).collect::<Vec<_>>(),
        ["", "a", "b"]
    );
    assert_eq!(keys.get("a"), Some(&2));
}
