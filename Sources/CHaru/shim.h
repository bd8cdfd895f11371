#ifndef ACCESSREVIEW_CHARU_SHIM_H
#define ACCESSREVIEW_CHARU_SHIM_H
#include <hpdf.h>
#endif
