//! Writing metrics read at scrape time: the constant gauges and counters a
//! [`Collector`](prometheus_client::collector::Collector) encodes, one
//! descriptor each.
//!
//! ```
//! use chanrac_metrics::collect;
//! use chanrac_metrics::prometheus_client::collector::Collector;
//! use chanrac_metrics::prometheus_client::encoding::DescriptorEncoder;
//!
//! /// Reports how many connections are open.
//! #[derive(Debug)]
//! struct Open(i64);
//!
//! impl Collector for Open {
//!     fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
//!         collect::gauge(&mut e, "example_connections_open", "Connections open", self.0)
//!     }
//! }
//! ```

use std::fmt;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Writes the gauge `name` (with its `help`) at `v`.
pub fn gauge<N>(e: &mut DescriptorEncoder, name: &str, help: &str, v: N) -> Result<(), fmt::Error>
where
    ConstGauge<N>: EncodeMetric,
{
    let g = ConstGauge::new(v);
    let m = e.encode_descriptor(name, help, None, g.metric_type())?;
    g.encode(m)
}

/// Writes the counter `name` (with its `help`; `_total` is added) at `v`.
pub fn counter(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: u64,
) -> Result<(), fmt::Error> {
    let c = ConstCounter::new(v);
    let m = e.encode_descriptor(name, help, None, c.metric_type())?;
    c.encode(m)
}
