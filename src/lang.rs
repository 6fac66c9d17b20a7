//! The language people read: Chinese by default, English on request (`--lang en`, or a web
//! user's setting). Rule tags (R1…R7) and JSON keys are the same in both.
//!
//! Messages are written where they arise, deep in the library, so the language is the
//! thread's: the CLI sets it once from `--lang`; a server sets it around each request's
//! work (`with`). `tr!("中文 {x}", "English {x}")` formats only the text of the language in
//! force.

use std::cell::Cell;

/// A language a person reads fundledger in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::Zh) };
}

/// The language in force on this thread.
pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

/// Makes `lang` the language of this thread's messages from now on.
pub fn set(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

/// Runs `f` with `lang` in force on this thread, then restores the language before.
pub fn with<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = current();
    set(lang);
    struct Restore(Lang);
    impl Drop for Restore {
        fn drop(&mut self) {
            set(self.0);
        }
    }
    let _restore = Restore(before);
    f()
}

/// Picks the text of the language in force: `pick("缩水", "shrinkage")`.
pub fn pick<T>(zh: T, en: T) -> T {
    match current() {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Formats the Chinese or the English text, whichever is in force (only that one is
/// formatted): `tr!("第 {n} 行", "line {n}")`.
#[macro_export]
macro_rules! tr {
    ($zh:expr, $en:expr $(,)?) => {
        match $crate::lang::current() {
            $crate::lang::Lang::Zh => format!($zh),
            $crate::lang::Lang::En => format!($en),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_by_default_english_inside_with_and_restored_after() {
        let n = 3;
        assert_eq!(current(), Lang::Zh);
        assert_eq!(tr!("第 {n} 行", "line {n}"), "第 3 行");
        let inside = with(Lang::En, || tr!("第 {n} 行", "line {n}"));
        assert_eq!(inside, "line 3");
        assert_eq!(current(), Lang::Zh);
        assert_eq!(pick("缩水", "shrinkage"), "缩水");
    }
}
