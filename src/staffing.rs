//! `callboard staffing`: the what-if table managers use for shift planning (Erlang C / A).
