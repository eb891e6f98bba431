// SPDX-License-Identifier: GPL-2.0
/*
 * Page fragments for the transmit batch, with pages recycled.
 *
 * Each batched packet is copied into a fragment of a 32 KiB page that tun
 * builds its skb around; the stack frees the fragment with put_page() when
 * it is done with the skb. The kernel's page_frag_cache (and upstream
 * vhost_net's own refill) reuses a page only if every fragment of it is
 * already free when the page runs out, which never happens here: a batch
 * of 64 packets spans more than one page and is still unsent at that
 * moment. So every ~46 small packets cost a fresh page, zeroed by the
 * allocator (init_on_alloc, Debian's default): a quarter of the worker's
 * time for 64-byte frames under emulation. Here a queue keeps a few pages
 * in rotation and takes a page back once its reference count shows that
 * only we hold it; a page still in use elsewhere (a frame queued on a
 * bridge or another tap) is left to its last user and replaced.
 *
 * References: we hold one on every page in the ring, plus, on the page
 * being carved, a stock of VHA_NET_FRAG_BIAS taken in one page_ref_add()
 * and handed out one per fragment without atomics (as page_frag_cache
 * does). A page's count is 1 + the stock + the fragments still alive.
 * Everything here runs under the TX vq.mutex.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/page_ref.h>

#include "net.h"

enum {
	VHA_NET_FRAG_ORDER = 3,			/* 32 KiB, as page_frag_cache */
	VHA_NET_FRAG_BIAS = 1U << 16,
};

static gfp_t frag_gfp(unsigned int order)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;

	/* A high-order page is a wish: no reclaim for it, fall back. */
	if (order)
		gfp = (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_COMP | __GFP_NORETRY;
	return gfp;
}

static struct page *page_new(void)
{
	struct page *page;

	page = alloc_pages(frag_gfp(VHA_NET_FRAG_ORDER), VHA_NET_FRAG_ORDER);
	if (!page)
		page = alloc_pages(frag_gfp(0), 0);
	return page;
}

/* Can slot @i be carved again: empty, or only our reference left? */
static bool slot_reusable(const struct vha_net_frags *f, unsigned int i)
{
	struct page *page = f->page[i];

	return !page || (page_ref_count(page) == 1 && !page_is_pfmemalloc(page));
}

/* Stop carving the current page: give back the stock not handed out. */
static void retire_current(struct vha_net_frags *f)
{
	struct page *page = f->page[f->cur];

	if (page && f->bias)
		page_ref_sub(page, f->bias);
	f->bias = 0;
}

/*
 * Move on to a page with room: the first page that came back to us,
 * looking at the one just used up first (its fragments often went out
 * with the batch just flushed, and it is the page still in the caches),
 * else a fresh page in the next slot (its old page, if any, goes with its
 * last fragment). -ENOMEM if no page could be allocated.
 */
static int next_page(struct vha_net_frags *f)
{
	unsigned int i, slot = f->cur;
	struct page *page;

	retire_current(f);
	for (i = 0; i < VHA_NET_FRAG_PAGES && !slot_reusable(f, slot); i++)
		slot = (slot + 1) % VHA_NET_FRAG_PAGES;
	if (i == VHA_NET_FRAG_PAGES)
		slot = (f->cur + 1) % VHA_NET_FRAG_PAGES;
	page = f->page[slot];
	if (!page || i == VHA_NET_FRAG_PAGES) {
		page = page_new();
		if (!page)
			return -ENOMEM;
		if (f->page[slot])
			put_page(f->page[slot]);
		f->page[slot] = page;
		vha_net_stat_add(VHA_NET_STAT_TX_FRAG_PAGES, 1);
	}
	page_ref_add(page, VHA_NET_FRAG_BIAS);
	f->bias = VHA_NET_FRAG_BIAS;
	f->cur = slot;
	f->offset = 0;
	f->size = page_size(page);
	return 0;
}

/*
 * A fragment of @size bytes (a multiple of the cache line size, so
 * fragments stay aligned), freed with page_frag_free() by whoever ends up
 * with it; NULL if no memory or @size is over PAGE_SIZE (the smallest page
 * we may get).
 */
void *vha_net_frag_alloc(struct vha_net_frags *f, unsigned int size)
{
	void *va;

	if (size > PAGE_SIZE)
		return NULL;
	if (!f->bias || f->offset + size > f->size) {
		if (next_page(f))
			return NULL;
	}
	va = page_address(f->page[f->cur]) + f->offset;
	f->offset += size;
	f->bias--;
	return va;
}

/* Drop our references (queue gone): pages go with their last fragment. */
void vha_net_frags_drain(struct vha_net_frags *f)
{
	unsigned int i;

	retire_current(f);
	for (i = 0; i < VHA_NET_FRAG_PAGES; i++) {
		if (f->page[i])
			put_page(f->page[i]);
		f->page[i] = NULL;
	}
	f->offset = 0;
	f->size = 0;
}
