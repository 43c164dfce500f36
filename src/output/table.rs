//! Column-aligned text tables, measured in terminal cells (Hangul and emoji are two wide).

use unicode_width::UnicodeWidthStr;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Lines with two spaces between columns and no trailing blanks.
    pub fn render(&self, indent: &str) -> Vec<String> {
        let cols = self.header.len();
        let mut widths = vec![0usize; cols];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(c.width());
            }
        }
        std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|r| {
                let mut line = indent.to_string();
                for (i, c) in r.iter().enumerate().take(cols) {
                    line.push_str(c);
                    if i + 1 < cols {
                        line.push_str(&" ".repeat(widths[i] - c.width() + 2));
                    }
                }
                line.trim_end().to_string()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_display_width() {
        let mut t = Table::new(&["NAME", "IP"]);
        t.row(vec!["웹서버".into(), "10.0.0.2".into()]);
        t.row(vec!["db".into(), "10.0.0.3".into()]);
        let lines = t.render("");
        assert_eq!(lines[0], "NAME    IP");
        assert_eq!(lines[1], "웹서버  10.0.0.2");
        assert_eq!(lines[2], "db      10.0.0.3");
    }
}
