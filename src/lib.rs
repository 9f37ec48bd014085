//! tandem: a CEO and a COO govern an AI programme together.
//!
//! The binary (`src/main.rs`) is thin; everything lives here so that the
//! integration tests boot exactly what production runs.

pub mod auth;
pub mod backup;
pub mod board;
pub mod board_shown;
pub mod brief_page;
pub mod brief_shown;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod kept;
pub mod mail;
pub mod markdown;
pub mod matrix_page;
pub mod metrics;
pub mod needs;
pub mod page_cache;
pub mod paths;
pub mod pg_cluster;
pub mod pipeline;
pub mod pipeline_shown;
pub mod programme_pages;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
