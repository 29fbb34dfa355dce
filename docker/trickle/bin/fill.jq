# Used by fill-placeholders: replaces each ${name} by the environment variable TRICKLE_<NAME>.
def fill:
  gsub("\\$\\{(?<n>[A-Za-z0-9_.-]+)\\}";
       ("TRICKLE_" + (.n | ascii_upcase | gsub("[.-]"; "_"))) as $v
       | ($ENV[$v] // error("no value for ${" + .n + "} in " + $file + ": set the environment variable " + $v))
       | if $mode == "properties" then gsub("\\\\"; "\\\\") else . end);

if $mode == "json" then walk(if type == "string" then fill else . end) else fill end
