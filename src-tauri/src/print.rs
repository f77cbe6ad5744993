//! Price labels and the catalogue in the window: a preview of the first
//! pages, then the PDF saved where the manager chooses and opened in the
//! system's viewer to print — the same `print` crate, and so the same
//! pages, as `hanout labels` / `hanout catalogue`. The catalog is read
//! under the store's lock; the layout (a second or two for a catalogue)
//! runs after it is released, so saving and syncing go on meanwhile.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::ipc::{AppError, PrintCause, SystemAction};
use crate::state::AppState;

/// Pages a preview draws: enough to judge a sheet and the next one.
const PREVIEW_PAGES: usize = 2;

/// Most labels one print makes (a box of label paper, 40 sheets of 24).
const MAX_LABELS: usize = 960;

/// The label sheets the window offers (`print::Layout`).
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LabelLayout {
    /// A4, 3 × 8 labels of 70 × 37 mm.
    #[serde(rename = "a4_3x8")]
    A43x8,
    /// A4, 2 × 7 labels of 99.1 × 38.1 mm.
    #[serde(rename = "a4_2x7")]
    A42x7,
    /// One 58 × 40 mm label per page (thermal printers).
    #[serde(rename = "thermal_58x40")]
    Thermal58x40,
}

impl From<LabelLayout> for print::Layout {
    fn from(l: LabelLayout) -> Self {
        match l {
            LabelLayout::A43x8 => print::Layout::A4_3x8,
            LabelLayout::A42x7 => print::Layout::A4_2x7,
            LabelLayout::Thermal58x40 => print::Layout::Thermal58x40,
        }
    }
}

/// The catalogue's editions: Arabic right to left, French left to right.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueEdition {
    Ar,
    Fr,
}

impl From<CatalogueEdition> for print::Lang {
    fn from(e: CatalogueEdition) -> Self {
        match e {
            CatalogueEdition::Ar => print::Lang::Ar,
            CatalogueEdition::Fr => print::Lang::Fr,
        }
    }
}

/// What to print.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrintJob {
    /// `copies` labels of each listing of `ids`, in that order.
    Labels {
        ids: Vec<String>,
        copies: u32,
        layout: LabelLayout,
    },
    /// The catalogue of the listings that are not drafts or archived (only
    /// those live on the marketplace with `only_live`); `date` (as the
    /// window writes today's) goes on the cover.
    Catalogue {
        edition: CatalogueEdition,
        only_live: bool,
        date: Option<String>,
    },
}

/// The first pages of a print, drawn.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PrintPreview {
    /// The first pages, each an SVG document.
    pub pages: Vec<String>,
    pub total_pages: u32,
    /// Labels, or products in the catalogue.
    pub items: u32,
}

/// A print's content as read from the catalog.
enum Content {
    Labels(Vec<print::LabelItem>, print::Layout),
    Catalogue(print::Catalogue, print::Lang),
}

impl Content {
    fn items(&self) -> usize {
        match self {
            Content::Labels(items, _) => items.len(),
            Content::Catalogue(c, _) => c.products.len(),
        }
    }

    fn preview(&self) -> print::Result<print::Preview> {
        match self {
            Content::Labels(items, layout) => print::labels_preview(items, *layout, PREVIEW_PAGES),
            Content::Catalogue(c, lang) => print::catalogue_preview(c, *lang, PREVIEW_PAGES),
        }
    }

    fn pdf(&self) -> print::Result<Vec<u8>> {
        match self {
            Content::Labels(items, layout) => print::labels(items, *layout),
            Content::Catalogue(c, lang) => print::catalogue(c, *lang),
        }
    }
}

fn print_error(e: print::Error) -> AppError {
    match e {
        print::Error::Store(e) => e.into(),
        print::Error::Empty => AppError::Print {
            cause: PrintCause::NothingToPrint,
        },
        e => {
            tracing::error!(error = %e, "print failed");
            AppError::Print {
                cause: PrintCause::Failed,
            }
        }
    }
}

async fn content(state: &AppState, job: PrintJob) -> Result<Content, AppError> {
    match job {
        PrintJob::Labels {
            ids,
            copies,
            layout,
        } => {
            let ids = ids
                .iter()
                .map(|id| id.parse())
                .collect::<store::Result<Vec<store::ListingId>>>()?;
            let copies = copies.max(1) as usize;
            let wanted: Vec<store::ListingId> = ids
                .iter()
                .flat_map(|&id| std::iter::repeat_n(id, copies))
                .take(MAX_LABELS)
                .collect();
            let items = read_store(state, move |s| print::label_items(s, &wanted)).await?;
            Ok(Content::Labels(items, layout.into()))
        }
        PrintJob::Catalogue {
            edition,
            only_live,
            date,
        } => {
            let data_dir = state.data_dir.clone();
            let options = print::CatalogueOptions {
                only_live,
                date: date.filter(|d| !d.trim().is_empty()),
            };
            let catalogue = read_store(state, move |s| {
                print::catalogue_from_store(s, &data_dir, &options)
            })
            .await?;
            Ok(Content::Catalogue(catalogue, edition.into()))
        }
    }
}

/// `f` on the store under its lock, off the async runtime (as
/// `commands::with_store`, for `print`'s own errors).
async fn read_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&store::Store) -> print::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    let store = state.checked_store().await?;
    tauri::async_runtime::spawn_blocking(move || {
        let guard = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&guard)
    })
    .await?
    .map_err(print_error)
}

/// Lays `content` out off the async runtime.
async fn render<T: Send + 'static>(
    content: Content,
    f: impl FnOnce(&Content) -> print::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(move || f(&content))
        .await?
        .map_err(print_error)
}

/// The first pages of `job` as they will print, and how many pages and
/// items it has.
#[tauri::command]
#[specta::specta]
pub async fn print_preview(
    state: State<'_, AppState>,
    job: PrintJob,
) -> Result<PrintPreview, AppError> {
    let content = content(&state, job).await?;
    let items = u32::try_from(content.items()).unwrap_or(u32::MAX);
    let preview = render(content, Content::preview).await?;
    Ok(PrintPreview {
        pages: preview.pages,
        total_pages: u32::try_from(preview.total_pages).unwrap_or(u32::MAX),
        items,
    })
}

/// Writes `job` as a PDF to `path` (a temporary file renamed into place: a
/// cut never leaves half a PDF under the chosen name). Returns its size.
#[tauri::command]
#[specta::specta]
pub async fn save_print(
    state: State<'_, AppState>,
    job: PrintJob,
    path: String,
) -> Result<f64, AppError> {
    let content = content(&state, job).await?;
    let pdf = render(content, Content::pdf).await?;
    let path = PathBuf::from(path);
    let size = pdf.len();
    tauri::async_runtime::spawn_blocking(move || write_atomically(&path, &pdf))
        .await?
        .map_err(|e| {
            tracing::warn!(error = %e, "the PDF was not written");
            AppError::Print {
                cause: PrintCause::NotSaved,
            }
        })?;
    Ok(size as f64)
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Opens a saved PDF in the system's viewer, to print it there.
#[tauri::command]
#[specta::specta]
pub async fn open_print(app: tauri::AppHandle, path: String) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt as _;
    app.opener()
        .open_path(path.as_str(), None::<&str>)
        .map_err(|e| {
            tracing::warn!(error = %e, %path, "the PDF did not open");
            AppError::System {
                action: SystemAction::OpenFile,
            }
        })
}
