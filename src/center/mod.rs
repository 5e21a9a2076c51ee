//! One tenant's state: calls in flight, queues, agents, rolling windows, intervals, snapshot. Pure: never
//! reads the clock (callers pass `now`) and does no I/O.

pub mod settings;
