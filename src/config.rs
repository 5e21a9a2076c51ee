//! Configuration: TOML file + `CALLBOARD_` environment, validated with field names, turned into the plain
//! settings each component takes (never passed whole into components).
