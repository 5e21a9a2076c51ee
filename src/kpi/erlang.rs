//! Erlang C (M/M/N) and Erlang A (M/M/N+M, with caller patience): waiting probability, service level,
//! ASA, occupancy, abandonment, and the smallest agent count meeting a service-level target.
