//! The smallest typst `World` that lays out our templates: the bundled
//! fonts, one main source, and an in-memory map of files (the data as
//! JSON, QR codes as SVG, photos as JPEG). No file system, no packages,
//! no network: a render reads nothing but what it is handed.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::{Error, Result};

/// The fonts every document uses, embedded in the binary: Noto Naskh
/// Arabic for Arabic, Noto Sans for Latin and digits (SIL OFL, see
/// `assets/fonts/LICENSE-OFL.txt`).
static FONT_FILES: [&[u8]; 4] = [
    include_bytes!("../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../assets/fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../assets/fonts/NotoNaskhArabic-Bold.ttf"),
];

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsed once per process: the standard library and the font book.
static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// A document to lay out: a template and the files it reads.
pub(crate) struct Job {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

impl Job {
    pub(crate) fn new(template: &str) -> Job {
        Job {
            main: Source::new(id("/main.typ"), template.to_owned()),
            files: HashMap::new(),
        }
    }

    /// Makes `bytes` readable by the template at the absolute `path`
    /// (`json("/data.json")`, `image("/qr/3.svg")`).
    pub(crate) fn file(&mut self, path: &str, bytes: Vec<u8>) {
        self.files.insert(id(path), Bytes::new(bytes));
    }

    /// Lays the document out and writes it as PDF.
    pub(crate) fn pdf(&self) -> Result<Vec<u8>> {
        let document = self.layout()?;
        let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|e| Error::Pdf(messages(&e)));
        evict();
        pdf
    }

    /// Lays the document out and draws its first `pages` pages as SVG: what
    /// the window previews (the PDF itself is drawn by the same layout).
    pub(crate) fn preview(&self, pages: usize) -> Result<Preview> {
        let document = self.layout()?;
        let preview = Preview {
            pages: document
                .pages
                .iter()
                .take(pages)
                .map(typst_svg::svg)
                .collect(),
            total_pages: document.pages.len(),
        };
        evict();
        Ok(preview)
    }

    fn layout(&self) -> Result<PagedDocument> {
        let warned = typst::compile::<PagedDocument>(self);
        for warning in &warned.warnings {
            tracing::warn!(message = %warning.message, "typst");
        }
        warned.output.map_err(|e| Error::Layout(messages(&e)))
    }
}

/// Pages of a document drawn for a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The first pages, each an SVG document.
    pub pages: Vec<String>,
    /// How many pages the document has in all.
    pub total_pages: usize,
}

/// Typst memoizes across runs; an app that prints all day keeps only the
/// last few runs' entries.
fn evict() {
    typst::comemo::evict(4);
}

fn id(path: &str) -> FileId {
    FileId::new(None, VirtualPath::new(path))
}

fn messages(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl World for Job {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    /// Documents carry the dates they are given, never the clock's.
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}
