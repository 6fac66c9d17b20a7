//! The pre-scan: one pass over a whole CSV file, in bounded memory, before any row is read.
//!
//! It decides the encoding from every line (not from the first kilobytes), and refuses what
//! the csv crate would read wrongly or expensively: a quote still open at the end of the file
//! (which would swallow the rest of the file into one cell), a record longer than
//! `MAX_RECORD_BYTES` or with more than `MAX_CELLS` cells (which the crate would buffer whole,
//! however large). It tracks quotes as the csv crate does (a `"` opens quoting only at the
//! start of a cell; `""` inside quotes is a quote) and counts physical lines as
//! `LineEndsToLf` does (CRLF, a lone CR and LF each end one), so its lines are the lines the
//! rest of the import reports. It must never hold more than one bounded line in memory.
//!
//! Bytes are scanned whatever the encoding: a GB18030 character never contains `"`, `,`,
//! CR or LF, nor does a multi-byte UTF-8 character.

use super::MAX_RECORD_BYTES;
use crate::error::{Check, Error, Problem, Result};
use std::io::Read;

/// The most cells one record may have.
pub const MAX_CELLS: usize = 1_000;

/// The encoding the whole file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8; `bom` when the file starts with a byte-order mark.
    Utf8 {
        bom: bool,
    },
    Gb18030,
}

/// What the pre-scan found: the encoding, and how long the text is once decoded.
#[derive(Debug)]
pub struct Scan {
    pub encoding: Encoding,
    pub text_len: u64,
}

/// Where the csv reader would be, byte by byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records: line breaks here are blank lines.
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A `"` inside a quoted cell: either the first of `""` or the closing quote.
    QuoteInQuoted,
}

/// What a line says about the file's encoding.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// ASCII, or text that is valid both as UTF-8 and as GB18030 and shows no CJK as UTF-8.
    None,
    /// Valid UTF-8 with CJK characters (GB18030 text does not form these by chance), or
    /// valid UTF-8 that is not GB18030.
    Utf8,
    /// Not UTF-8, but GB18030.
    Gb18030,
    /// Neither.
    Invalid,
}

struct Scanner<'a> {
    name: &'a str,
    bom: bool,
    /// The physical line being read (1-based), and whether its last byte was a CR.
    line: u64,
    after_cr: bool,
    /// The current line's bytes, without its line break (at most one record long).
    line_bytes: Vec<u8>,
    state: State,
    record_line: u64,
    record_bytes: usize,
    cells: usize,
    /// Where the open quote opened: line and cell number.
    quote_at: (u64, usize),
    first_utf8: Option<u64>,
    first_gb18030: Option<u64>,
    /// The text's length as GB18030 decodes it (for the progress bar).
    gb18030_len: u64,
}

/// Scans the whole file read from `source`.
pub fn scan(name: &str, mut source: impl Read) -> Result<Scan> {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut head = [0u8; 3];
    let mut got = 0;
    while got < 3 {
        match source.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    let head = &head[..got];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let message = crate::tr!(
            "{name} 是 UTF-16 编码；请在 Excel 中另存为“CSV UTF-8”或“CSV (逗号分隔)”",
            "{name} is UTF-16; save it from Excel as \"CSV UTF-8\" or \"CSV (逗号分隔)\""
        );
        return Err(Error::rejected(Problem::new(Check::File, message)));
    }
    let bom = head == [0xEF, 0xBB, 0xBF];
    let mut s = Scanner::new(name, bom);
    if !bom {
        s.bytes(head)?;
    }
    loop {
        let n = source.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        s.bytes(&chunk[..n])?;
    }
    s.finish()
}

impl<'a> Scanner<'a> {
    fn new(name: &'a str, bom: bool) -> Scanner<'a> {
        Scanner {
            name,
            bom,
            line: 1,
            after_cr: false,
            line_bytes: Vec::new(),
            state: State::StartRecord,
            record_line: 1,
            record_bytes: 0,
            cells: 0,
            quote_at: (0, 0),
            first_utf8: None,
            first_gb18030: None,
            gb18030_len: 0,
        }
    }

    fn refuse<T>(&self, line: u64, message: String) -> Result<T> {
        Err(Error::rejected(Problem::new(Check::File, message).at(self.name, line)))
    }

    fn bytes(&mut self, bytes: &[u8]) -> Result<()> {
        for &b in bytes {
            // The LF of a CRLF: the line already ended at the CR.
            let crlf = b == b'\n' && self.after_cr;
            self.after_cr = b == b'\r';
            if crlf {
                continue;
            }
            self.csv_byte(b)?;
            if b == b'\r' || b == b'\n' {
                self.end_line()?;
            } else if self.line_bytes.len() <= MAX_RECORD_BYTES {
                // A longer line is in a record that is refused as too long.
                self.line_bytes.push(b);
            }
        }
        Ok(())
    }

    /// One byte through the csv reader's states (a CRLF counts as one line break).
    fn csv_byte(&mut self, b: u8) -> Result<()> {
        let is_break = b == b'\r' || b == b'\n';
        if self.state == State::StartRecord {
            if is_break {
                return Ok(());
            }
            self.state = State::StartField;
            self.record_line = self.line;
            self.record_bytes = 0;
            self.cells = 1;
        }
        let ends_record = is_break && !matches!(self.state, State::InQuoted);
        if ends_record {
            self.state = State::StartRecord;
            return Ok(());
        }
        self.state = match (self.state, b) {
            (State::StartField, b'"') => {
                self.quote_at = (self.line, self.cells);
                State::InQuoted
            }
            (State::InQuoted, b'"') => State::QuoteInQuoted,
            (State::InQuoted, _) => State::InQuoted,
            (State::QuoteInQuoted, b'"') => State::InQuoted,
            (_, b',') => {
                self.cells += 1;
                State::StartField
            }
            _ => State::InField,
        };
        self.record_bytes += 1;
        self.check_record()
    }

    fn check_record(&self) -> Result<()> {
        if self.cells > MAX_CELLS {
            return self.refuse(
                self.record_line,
                crate::tr!(
                    "该行超过 {MAX_CELLS} 个单元格（每行的上限）；是不是一行逗号？",
                    "the row has more than {MAX_CELLS} cells (the most a row may have); is it a row of commas?"
                ),
            );
        }
        if self.record_bytes > MAX_RECORD_BYTES {
            let mut message = crate::tr!(
                "该行超过 {MAX_RECORD_BYTES} 字节",
                "the row is longer than {MAX_RECORD_BYTES} bytes"
            );
            if self.state == State::InQuoted && self.quote_at.0 < self.line {
                let (line, cell) = self.quote_at;
                let now = self.line;
                message.push_str(&crate::tr!(
                    "；第 {line} 行第 {cell} 个单元格开头的引号到第 {now} 行仍未闭合：是否缺少结尾的 \"？",
                    "; the quote that opens cell {cell} on line {line} is still open on line {now}: is its closing \" missing?"
                ));
            }
            return self.refuse(self.record_line, message);
        }
        Ok(())
    }

    /// The end of a physical line: what its bytes say about the encoding.
    fn end_line(&mut self) -> Result<()> {
        let bytes = std::mem::take(&mut self.line_bytes);
        let evidence = self.evidence(&bytes);
        self.line_bytes = bytes;
        self.line_bytes.clear();
        self.gb18030_len += 1;
        let line = self.line;
        self.line += 1;
        self.weigh(line, evidence)
    }

    /// Classifies a line's bytes, adding their decoded length to `gb18030_len`.
    fn evidence(&mut self, bytes: &[u8]) -> Evidence {
        if bytes.is_ascii() {
            self.gb18030_len += bytes.len() as u64;
            return Evidence::None;
        }
        let utf8 = std::str::from_utf8(bytes).ok();
        if utf8.is_some_and(|t| t.chars().any(is_cjk)) {
            return Evidence::Utf8;
        }
        let gb = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes);
        self.gb18030_len += gb.as_ref().map_or(0, |t| t.len() as u64);
        match (utf8.is_some(), gb.is_some()) {
            (true, true) => Evidence::None,
            (true, false) => Evidence::Utf8,
            (false, true) => Evidence::Gb18030,
            (false, false) => Evidence::Invalid,
        }
    }

    /// Refuses a line whose encoding contradicts the file's (or is none).
    fn weigh(&mut self, line: u64, evidence: Evidence) -> Result<()> {
        let one_encoding = crate::lang::pick(
            "请把整个文件保存为同一种编码（Excel：“CSV UTF-8”或“CSV (逗号分隔)”）",
            "save the whole file in one encoding (Excel: \"CSV UTF-8\" or \"CSV (逗号分隔)\")",
        );
        match evidence {
            Evidence::None => Ok(()),
            Evidence::Gb18030 | Evidence::Invalid if self.bom => self.refuse(
                line,
                crate::lang::pick(
                    "文件开头是 UTF-8（带字节顺序标记 BOM），但这一行不是有效的 UTF-8；请把整个文件另存为“CSV UTF-8”",
                    "this line is not valid UTF-8 though the file starts as UTF-8 (with a byte-order mark); save the whole file as \"CSV UTF-8\"",
                )
                .to_string(),
            ),
            Evidence::Invalid => self.refuse(
                line,
                crate::lang::pick(
                    "这一行既不是 UTF-8 也不是 GB18030 文本（文件被截断或不是文本文件？）；请在 Excel 中另存为“CSV UTF-8”或“CSV (逗号分隔)”",
                    "this line is neither UTF-8 nor GB18030 text (a cut-off or binary file?); save it from Excel as \"CSV UTF-8\" or \"CSV (逗号分隔)\"",
                )
                .to_string(),
            ),
            Evidence::Utf8 => match self.first_gb18030 {
                Some(first) => {
                    self.refuse(
                        line,
                        crate::tr!(
                            "第 {line} 行是 UTF-8，但之前的第 {first} 行是 GB18030；{one_encoding}",
                            "line {line} is UTF-8 but line {first} before it is GB18030; {one_encoding}"
                        ),
                    )
                }
                None => {
                    self.first_utf8.get_or_insert(line);
                    Ok(())
                }
            },
            Evidence::Gb18030 => match self.first_utf8 {
                Some(first) => {
                    self.refuse(
                        line,
                        crate::tr!(
                            "第 {line} 行是 GB18030，但之前的第 {first} 行是 UTF-8；{one_encoding}",
                            "line {line} is GB18030 but line {first} before it is UTF-8; {one_encoding}"
                        ),
                    )
                }
                None => {
                    self.first_gb18030.get_or_insert(line);
                    Ok(())
                }
            },
        }
    }

    fn finish(mut self) -> Result<Scan> {
        if !self.line_bytes.is_empty() {
            self.end_line()?;
        }
        if self.state == State::InQuoted {
            let (line, cell) = self.quote_at;
            return self.refuse(
                line,
                crate::tr!(
                    "本行第 {cell} 个单元格开头的引号始终没有闭合，文件其余部分都会被读进这个单元格；请补上结尾的 \"（引号内的 \" 写作 \"\"）",
                    "the quote that opens cell {cell} on this line is never closed, so the rest of the file would be read into that cell; add the closing \" (a \" inside a quoted cell is written \"\")"
                ),
            );
        }
        let encoding = match self.first_gb18030 {
            Some(_) => Encoding::Gb18030,
            None => Encoding::Utf8 { bom: self.bom },
        };
        Ok(Scan { encoding, text_len: self.gb18030_len })
    }
}

/// CJK ideographs and punctuation (U+3000–U+9FFF) and full-width forms (U+FF00–U+FFEF):
/// three-byte UTF-8 sequences that GB18030 text essentially never forms by chance.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(bytes: &[u8]) -> std::result::Result<Encoding, String> {
        scan("f.csv", bytes).map(|s| s.encoding).map_err(|e| e.to_string())
    }

    #[test]
    fn quotes_are_tracked_as_the_csv_crate_reads_them() {
        // The English text of the messages (the Chinese is the default).
        crate::lang::set(crate::lang::Lang::En);
        assert!(scanned(b"a,b\n1,\"x\"\"y\n2\"\n").is_ok());
        assert!(scanned(b"a,b\n1,x\"y\n2,3\n").is_ok(), "a quote inside an unquoted cell is text");
        assert!(scanned(b"a,b\n1,\"x\"y\"\n").is_ok(), "after the closing quote, a quote is text");
        let open = scanned(b"a,b\r\n1,2\r\n3,\"x\r\n4,5\r\n").expect_err("open quote");
        assert!(open.contains("f.csv:3: the quote that opens cell 2 on this line is never closed"), "{open}");
        let lone_cr = scanned(b"a,b\r1,2\r\r3,\"x\r4,5\r").expect_err("open quote");
        assert!(lone_cr.contains("f.csv:4:"), "{lone_cr}");
    }

    #[test]
    fn encodings_are_decided_from_every_line() {
        // The English text of the messages (the Chinese is the default).
        crate::lang::set(crate::lang::Lang::En);
        let gb = encoding_rs::GB18030.encode("凤桥镇").0.into_owned();
        assert_eq!(scanned("a\n南湖\n".as_bytes()), Ok(Encoding::Utf8 { bom: false }));
        assert_eq!(scanned(&[b"a\n".as_slice(), &gb, b"\n"].concat()), Ok(Encoding::Gb18030));
        let mixed = [b"a\n".as_slice(), "南湖\n".as_bytes(), b"b\n", &gb, b"\n"].concat();
        let e = scanned(&mixed).expect_err("mixed");
        assert!(e.contains("f.csv:4: line 4 is GB18030 but line 2 before it is UTF-8"), "{e}");
        let e = scanned(&[gb.as_slice(), b"\n", "南湖\n".as_bytes()].concat()).expect_err("mixed");
        assert!(e.contains("f.csv:2: line 2 is UTF-8 but line 1 before it is GB18030"), "{e}");
        let e = scanned(b"a\n\xFF\xFF\n").expect_err("neither");
        assert!(e.contains("f.csv:2: this line is neither UTF-8 nor GB18030"), "{e}");
    }

    #[test]
    fn records_are_held_to_their_limits() {
        // The English text of the messages (the Chinese is the default).
        crate::lang::set(crate::lang::Lang::En);
        let commas = format!("a\n{}\n", ",".repeat(MAX_CELLS));
        let e = scanned(commas.as_bytes()).expect_err("too many cells");
        assert!(e.contains("f.csv:2: the row has more than 1000 cells"), "{e}");
        assert!(scanned(format!("a\n{}\n", ",".repeat(MAX_CELLS - 1)).as_bytes()).is_ok());
        let long = format!("a\n\"{}\n", "x\n".repeat(MAX_RECORD_BYTES));
        let e = scanned(long.as_bytes()).expect_err("too long");
        assert!(
            e.contains("f.csv:2: the row is longer than 65536 bytes; the quote that opens cell 1 on line 2"),
            "{e}"
        );
    }
}
