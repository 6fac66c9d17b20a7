//! Developer tooling, kept out of the product's path: the data generator (`gen`), the
//! benchmark (`bench`), the benchmark's raw floor import (`floor`), the files it derives from a dataset (`derive`: an
//! hledger journal, a back-dated import) and the hidden `measure`
//! subcommand through which the benchmark times its child processes and reads their peak
//! memory. No product command calls into this module; the `gen` and `bench` subcommands are
//! thin wrappers in `commands/`.

pub mod bench;
pub mod derive;
pub mod floor;
pub mod gen;
pub mod load;
pub mod measure;
