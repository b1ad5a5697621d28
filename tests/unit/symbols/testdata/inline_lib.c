/* See inline_lib.h. Each __LINE__ is on the line of the call it names. */
#include "inline_lib.h"

/* noipa: a real call, whose return address is in the caller's code. */
__attribute__((noipa)) void inline_lib_record(struct inline_site *site,
					      int line)
{
	site->return_address = __builtin_return_address(0);
	site->helper_line = line;
}

static inline __attribute__((always_inline)) void
inline_lib_helper(struct inline_site *site, int caller_line)
{
	site->caller_line = caller_line;
	inline_lib_record(site, __LINE__);
	/* Work after the call keeps it from becoming a tail call. */
	site->calls++;
}

__attribute__((noinline)) int inline_lib_run(struct inline_site *site)
{
	inline_lib_helper(site, __LINE__);
	return site->calls;
}
