//! hyper 0.10.16's `examples/` (client, headers, hello, server) and a program in the 0.10
//! style, each unmodified but for `extern crate hypersync as hyper;`, built as binaries of
//! this package and run against real clients by its tests. The hyper examples are
//! hyper's own (MIT licence, Copyright (c) 2014 Sean McArthur); they are kept byte for byte
//! but for that line.
