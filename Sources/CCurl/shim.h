#ifndef RECONCILE_CCURL_SHIM_H
#define RECONCILE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which
   Swift cannot call: these typed wrappers give each argument kind its own entry. */

static inline CURLcode reconcile_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode reconcile_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode reconcile_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode reconcile_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*reconcile_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
static inline CURLcode reconcile_easy_setopt_data_callback(CURL *handle, CURLoption option, reconcile_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode reconcile_easy_setopt_opensocket_callback(CURL *handle, curl_opensocket_callback value) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, value);
}
static inline CURLcode reconcile_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode reconcile_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode reconcile_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode reconcile_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode reconcile_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}
/* CURL_GLOBAL_DEFAULT is a macro expression; one entry keeps the flags on the C side. */
static inline CURLcode reconcile_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
/* CURLVERSION_NOW is a macro naming an enum case, which Swift does not import: the
   version of the libcurl the loader found, on the C side. */
static inline const char *reconcile_runtime_version(void) {
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    return info ? info->version : 0;
}
#endif
