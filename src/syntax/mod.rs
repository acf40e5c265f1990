//! Front end: tokens (logos), the layout pass, the AST and the parser (chumsky).
pub mod ast;
pub mod layout;
pub mod parser;
pub mod token;
