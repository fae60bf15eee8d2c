#pragma once
// The one escape for text that goes into `portwatch report`'s HTML and Markdown. Text that came
// from the system (process names, command lines, pool keys, file names) is untrusted: a
// process may be named "<script>" or carry a bidi override. Both functions first make it
// visible and unambiguous (terminal_safe: control and format characters and bytes that are not
// UTF-8 become \xNN, \uNNNN), then escape what the output language would act on.

#include <string>
#include <string_view>

namespace portwatch::render {

// For HTML text and double- or single-quoted attribute values: & < > " ' become entities.
std::string html_escape(std::string_view text);

// For Markdown (GitHub, GitLab): the HTML escape (Markdown passes raw HTML through) and a
// backslash before the characters Markdown acts on anywhere in a line (* _ ` [ ] # | ~ and the
// backslash), so a name never becomes emphasis, code, a link or a table cell break. The
// writers never start a line with system text, so list and heading markers need no escape.
std::string markdown_escape(std::string_view text);

}  // namespace portwatch::render
