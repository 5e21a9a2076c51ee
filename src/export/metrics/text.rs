//! The classic Prometheus text format (0.0.4), written directly: one tenant's series as text per family
//! ([`FamilyTexts`] → [`TenantText`]), and a body assembled from tenants' texts under each family's
//! `# HELP` and `# TYPE` lines. Byte for byte what the `prometheus` crate's `TextEncoder` writes for the
//! same families (escaping, number format, histogram lines); `tests.rs` holds it to that. Pure.

use std::fmt::Write as _;
use std::sync::LazyLock;

use super::families::FAMILIES;
use super::series::Sink;

/// One tenant's series in the text format, family by family, in one buffer.
#[derive(Debug, Default)]
pub struct TenantText {
    text: String,
    /// Where each family's lines end in `text` (they start where the previous family's end).
    ends: Vec<usize>,
}

impl TenantText {
    /// The lines of family `index` (empty when the tenant has none).
    pub fn family(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }

    /// Bytes of text held.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Series as they are found, one growing text per family; [`FamilyTexts::take`] joins them into a
/// [`TenantText`] and keeps the buffers for the next tenant.
#[derive(Debug)]
pub struct FamilyTexts {
    texts: Vec<String>,
    /// The subject's labels as written, `{name="value",…` without the closing brace (empty without
    /// labels): escaped once for all of its series.
    subject: String,
}

impl Default for FamilyTexts {
    fn default() -> Self {
        FamilyTexts {
            texts: vec![String::new(); FAMILIES.len()],
            subject: String::new(),
        }
    }
}

impl FamilyTexts {
    /// What was written since the last `take`, as one tenant's text.
    pub fn take(&mut self) -> TenantText {
        let mut text = String::with_capacity(self.texts.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(self.texts.len());
        for family in &mut self.texts {
            text.push_str(family);
            ends.push(text.len());
            family.clear();
        }
        TenantText { text, ends }
    }

    /// `name{subject,extra…}` of a line of `family`, its name ending in `suffix`; the value follows.
    fn line_start(&mut self, family: usize, suffix: &str, extra: &[(&str, &str)]) -> &mut String {
        let out = &mut self.texts[family];
        out.push_str(FAMILIES[family].0);
        out.push_str(suffix);
        out.push_str(&self.subject);
        let mut open = !self.subject.is_empty();
        for (name, value) in extra {
            out.push(if open { ',' } else { '{' });
            push_label(out, name, value);
            open = true;
        }
        if open {
            out.push('}');
        }
        out
    }
}

impl Sink for FamilyTexts {
    fn subject(&mut self, labels: &[(&str, &str)]) {
        self.subject.clear();
        for (index, (name, value)) in labels.iter().enumerate() {
            self.subject.push(if index == 0 { '{' } else { ',' });
            push_label(&mut self.subject, name, value);
        }
    }

    fn sample(&mut self, family: usize, extra: &[(&str, &str)], value: f64) {
        let out = self.line_start(family, "", extra);
        write_value_line(out, value);
    }

    fn histogram(&mut self, family: usize, buckets: &[(f64, u64)], count: u64, sum: f64) {
        let mut le = String::new();
        for (bound, cumulative) in buckets.iter().filter(|(bound, _)| bound.is_finite()) {
            le.clear();
            let _ = write!(le, "{bound}");
            let out = self.line_start(family, "_bucket", &[("le", &le)]);
            write_value_line(out, *cumulative as f64);
        }
        let out = self.line_start(family, "_bucket", &[("le", "+Inf")]);
        write_value_line(out, count as f64);
        let out = self.line_start(family, "_sum", &[]);
        write_value_line(out, sum);
        let out = self.line_start(family, "_count", &[]);
        write_value_line(out, count as f64);
    }
}

/// `name="value"`, the value escaped as the format asks.
fn push_label(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str("=\"");
    push_escaped(out, value, true);
    out.push('"');
}

/// ` value\n`: the value as Rust's `Display` writes an `f64` (shortest round trip, no exponent,
/// `NaN`, `inf`), which is what the `prometheus` crate writes. Whole numbers, most of the exposition,
/// take the integer path: the same digits, without the float formatter's cost.
fn write_value_line(out: &mut String, value: f64) {
    out.push(' ');
    let whole =
        value.fract() == 0.0 && value.abs() < 1e15 && !(value == 0.0 && value.is_sign_negative());
    if whole {
        let _ = write!(out, "{}", value as i64);
    } else {
        let _ = write!(out, "{value}");
    }
    out.push('\n');
}

/// `text` with `\` and newlines escaped, and `"` too in a label value.
fn push_escaped(out: &mut String, text: &str, quote: bool) {
    let special = |byte: &u8| matches!(byte, b'\\' | b'\n') || (quote && *byte == b'"');
    if !text.as_bytes().iter().any(special) {
        out.push_str(text);
        return;
    }
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            other => out.push(other),
        }
    }
}

/// Each family's `# HELP` and `# TYPE` lines.
static HEADERS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FAMILIES
        .iter()
        .map(|(name, help, kind)| {
            let mut header = format!("# HELP {name} ");
            push_escaped(&mut header, help, false);
            let _ = write!(header, "\n# TYPE {name} {}\n", kind.as_str());
            header
        })
        .collect()
});

/// The KPI families of `tenants` (in their order), each family's lines under its header (families no
/// tenant has are left out), then `after`: allocated once, at the length it needs.
pub fn assemble(tenants: &[&TenantText], after: &str) -> String {
    let lengths: Vec<usize> = (0..FAMILIES.len())
        .map(|index| {
            tenants
                .iter()
                .map(|tenant| tenant.family(index).len())
                .sum()
        })
        .collect();
    let needed: usize = (lengths.iter().zip(HEADERS.iter()))
        .filter(|(length, _)| **length > 0)
        .map(|(length, header)| length + header.len())
        .sum();
    let mut out = String::with_capacity(needed + after.len());
    for (index, length) in lengths.into_iter().enumerate() {
        if length == 0 {
            continue;
        }
        out.push_str(&HEADERS[index]);
        for tenant in tenants {
            out.push_str(tenant.family(index));
        }
    }
    out.push_str(after);
    out
}
