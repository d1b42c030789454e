//! The allocator of a plugin built without WASI (`wasm32-unknown-unknown`).
//!
//! Every evaluation runs in a fresh instance, so what matters is how cheaply one starts
//! and is reset, not how well a heap is reused over time. Rust's default allocator
//! there (dlmalloc) grows linear memory with `memory.grow` on its first allocation of
//! every instance, and the host pays for each growth twice: an `mprotect` to open the
//! pages and another, with an `madvise`, to close them again when the instance is
//! reset (measured in stop 26: that made the WASI-free build slower than the WASI one,
//! whose libc allocates from memory the instance starts with).
//!
//! So the SDK allocates with `talc` from a heap that is part of the module's initial
//! memory ([`INITIAL_HEAP_BYTES`], zero pages that cost nothing until touched), and
//! grows memory only when a policy needs more than that. The host's memory limit
//! still applies to the growth, and names it as it did.
#![allow(unsafe_code)]

use core::alloc::Layout;
use core::mem::MaybeUninit;

use talc::base::Talc;
use talc::base::binning::Binning;
use talc::cell::TalcSyncCell;
use talc::source::Source;
use talc::wasm::WasmBinning;

/// The heap every instance starts with: far more than a policy evaluation allocates
/// (Torbay's largest call uses a few KiB), so none grows memory.
pub const INITIAL_HEAP_BYTES: usize = 1 << 20;

/// WebAssembly's page size.
const PAGE_BYTES: usize = 64 << 10;

/// The initial heap. Uninitialised, so it sits in the module's zeroed memory and adds
/// no bytes to the component.
static mut INITIAL_HEAP: [MaybeUninit<u8>; INITIAL_HEAP_BYTES] =
    [MaybeUninit::uninit(); INITIAL_HEAP_BYTES];

/// Where the allocator finds memory: the initial heap first, then `memory.grow`.
#[derive(Debug)]
pub struct InitialHeapThenGrow {
    initial_claimed: bool,
}

// SAFETY: `acquire` hands the allocator only memory nothing else uses: the initial heap,
// which no other code names, once; and pages `memory.grow` has just added. It allocates
// nothing itself.
unsafe impl Source for InitialHeapThenGrow {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        if !talc.source.initial_claimed {
            talc.source.initial_claimed = true;
            let base: *mut u8 = (&raw mut INITIAL_HEAP).cast();
            // SAFETY: see the impl's comment; the heap is claimed at most once.
            if unsafe { talc.claim(base, INITIAL_HEAP_BYTES) }.is_some() {
                return Ok(());
            }
        }
        // Room for the allocation with the allocator's own bookkeeping around it:
        // generous, since too little would make the allocator ask again and again.
        let needed = layout
            .size()
            .saturating_add(layout.align())
            .saturating_add(4 * talc::base::CHUNK_UNIT);
        let pages = needed.div_ceil(PAGE_BYTES);
        let previous_pages = core::arch::wasm32::memory_grow(0, pages);
        if previous_pages == usize::MAX {
            return Err(());
        }
        let base = (previous_pages * PAGE_BYTES) as *mut u8;
        // SAFETY: the pages from `base` were added by the growth above; nothing uses them.
        unsafe { talc.claim(base, pages * PAGE_BYTES) }
            .map(|_| ())
            .ok_or(())
    }
}

/// The global allocator of every plugin built without WASI with this SDK.
#[global_allocator]
static ALLOCATOR: TalcSyncCell<InitialHeapThenGrow, WasmBinning> =
    TalcSyncCell::new_wasm(InitialHeapThenGrow {
        initial_claimed: false,
    });
