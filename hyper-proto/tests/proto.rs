//! hyper-proto integration tests, one binary: head tables, body framing, the in-memory
//! client/server pair, and property tests.

mod proto {
    pub(crate) mod body;
    pub(crate) mod pair;
    pub(crate) mod props;
    pub(crate) mod requests;
    pub(crate) mod responses;
    pub(crate) mod timeouts;
    pub(crate) mod upgrades;
}
