//! Realistic contact-center traffic simulator (demo, benches, tests).
