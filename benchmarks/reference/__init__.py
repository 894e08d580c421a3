"""Reference: frozen per-seed reference tables (R0 sample, L* campaign) and objective signatures."""
