//! The insertion-ordered Dict: a hash index over a vector of entries. Removed entries
//! leave a hole that is compacted once holes outnumber live entries. Keys are strings,
//! ints, bools, nil and tuples of those. Keys come from the network (HTTP headers, JSON
//! objects), so the index hashes with foldhash seeded at random once per process: an
//! attacker cannot choose keys that collide (hash flooding), and foldhash costs about
//! what an Fx-style hash does (SipHash costs more than the rest of a lookup). The
//! Fx-style hasher below stays for type members, whose names come from the program.

use crate::interp::value::{Value, values_equal};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hash, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // splitmix64's finaliser: hashbrown reads the top bits, which a bare Fx
        // multiply leaves poorly mixed for short, similar keys ("k1", "k2", ...)
        let mut z = self.hash;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// foldhash with this process's random seed.
#[derive(Clone)]
pub struct SeededBuild(foldhash::fast::FixedState);

static PROCESS_SEED: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    use std::hash::BuildHasher;
    // std's RandomState draws its keys from the OS's random source
    std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
});

impl Default for SeededBuild {
    fn default() -> Self {
        SeededBuild(foldhash::fast::FixedState::with_seed(*PROCESS_SEED))
    }
}

impl std::hash::BuildHasher for SeededBuild {
    type Hasher = foldhash::fast::FoldHasher<'static>;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// A hashable view of a key value.
#[derive(Clone)]
#[repr(transparent)]
pub struct Key(pub Value);

impl Key {
    /// `v` seen as a key, for lookups without cloning it.
    fn of(v: &Value) -> &Key {
        // SAFETY: `Key` is `repr(transparent)` over `Value`, so the two references have
        // the same layout, and the borrow keeps `v`'s lifetime
        unsafe { &*(v as *const Value).cast::<Key>() }
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state)
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::Nil => state.write_u8(0),
        Value::Bool(b) => state.write_u8(*b as u8 + 1),
        Value::Int(i) => state.write_u64(*i as u64),
        // a float equal to an int hashes as that int (they are equal keys, as in Python)
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => state.write_u64(*x as i64 as u64),
        Value::Float(x) => state.write_u64(x.to_bits()),
        Value::Str(s) => {
            state.write(s.s.as_bytes());
            state.write_u8(0xff);
        }
        Value::Tuple(items) => {
            state.write_usize(items.len());
            for item in items.iter() {
                hash_value(item, state);
            }
        }
        _ => state.write_u8(3),
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        // Int and Bool keys never collide: `values_equal` treats them as unrelated.
        values_equal(&self.0, &other.0)
    }
}
impl Eq for Key {}

/// Whether a value may be a Dict key or Set element (without building an error).
pub fn hashable(v: &Value) -> bool {
    check_key(v).is_ok()
}

/// Whether a value may be a Dict key (error text names the offending type).
pub fn check_key(v: &Value) -> Result<(), String> {
    match v {
        Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_) => Ok(()),
        Value::Tuple(items) => items.iter().try_for_each(check_key),
        other => Err(format!("unhashable Dict key of type {}", other.type_name())),
    }
}

#[derive(Default, Clone)]
pub struct Dict {
    index: HashMap<Key, usize, SeededBuild>,
    entries: Vec<Option<(Value, Value)>>,
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }
    pub fn len(&self) -> usize {
        self.index.len()
    }
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
    pub fn get(&self, key: &Value) -> Option<&Value> {
        let i = *self.index.get(Key::of(key))?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }
    pub fn reserve(&mut self, n: usize) {
        self.index.reserve(n);
        self.entries.reserve(n);
    }
    pub fn get_mut(&mut self, key: &Value) -> Option<&mut Value> {
        let i = *self.index.get(Key::of(key))?;
        self.entries[i].as_mut().map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &Value) -> bool {
        self.index.contains_key(Key::of(key))
    }
    /// Inserts or replaces (a replaced key keeps its position); returns the old value.
    pub fn insert(&mut self, key: Value, value: Value) -> Option<Value> {
        // one hash: the entry is found or made in the same probe
        match self.index.entry(Key(key)) {
            Entry::Occupied(e) => {
                let slot = self.entries[*e.get()].as_mut().map(|(_, v)| v);
                slot.map(|v| std::mem::replace(v, value))
            }
            Entry::Vacant(e) => {
                self.entries.push(Some((e.key().0.clone(), value)));
                e.insert(self.entries.len() - 1);
                None
            }
        }
    }
    pub fn remove(&mut self, key: &Value) -> Option<Value> {
        let i = self.index.remove(Key::of(key))?;
        let old = self.entries[i].take().map(|(_, v)| v);
        if self.entries.len() > 32 && self.index.len() * 2 < self.entries.len() {
            self.compact();
        }
        old
    }
    fn compact(&mut self) {
        self.entries.retain(|e| e.is_some());
        for (i, e) in self.entries.iter().enumerate() {
            if let Some((k, _)) = e {
                self.index.insert(Key(k.clone()), i);
            }
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().filter_map(|e| e.as_ref().map(|(k, v)| (k, v)))
    }
    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|(k, _)| k.clone()).collect()
    }
    pub fn values(&self) -> Vec<Value> {
        self.iter().map(|(_, v)| v.clone()).collect()
    }
    pub fn equals(&self, other: &Dict) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k).is_some_and(|w| values_equal(v, w)))
    }
}
