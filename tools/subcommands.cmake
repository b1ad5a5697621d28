# `allocprof report` and `allocprof diff`: saved profiles read back and
# shown, drawn or compared. Included from tools/CMakeLists.txt; paths are
# relative to this file so that it can be included from anywhere.
add_library(allocprof_subcommands STATIC ${CMAKE_CURRENT_LIST_DIR}/subcommands.cc)
target_link_libraries(allocprof_subcommands
  PRIVATE
    allocprof_command_line
    allocprof_diff
    allocprof_flamegraph
    allocprof_output_files
    allocprof_profile_file
    allocprof_report
    absl::status
    absl::statusor
    absl::strings)
