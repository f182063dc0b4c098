//! Integration tests of the `data` crate, in one test binary (one link on CI's 2 cores).

mod cifar;
mod common;
mod download;
mod folder;
mod http_server;
mod idx;
mod locate;
mod pipeline;
mod real;
