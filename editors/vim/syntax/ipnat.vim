" Vim syntax file
" Language:     IPFilter NAT rules, ipnat.conf / ipnat.rules (ipnat(5))
" Filetype:     ipnat
" Part of:      ipseclint (editors/vim)
"
"   map|bimap|map-block IF src -> dst [portmap tcp|udp|tcp/udp lo:hi|auto]
"                                     [proxy port P name/proto] [options]
"   map IF from A to B -> dst ...
"   rdr IF addr port P[-P2] -> ip[,ip] port P [tcp|udp|tcp/udp] [options]
" Keywords are case-insensitive; `#` starts a comment. `0/32` (and
" 0.0.0.0/32) as a target means "the interface's own address".

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case ignore
" map-block, round-robin.
syn iskeyword @,48-57,_,192-255,-
syn sync fromstart

syn keyword ipnatTodo           contained TODO FIXME XXX NOTE
syn match   ipnatComment        /#.*$/ contains=ipnatTodo,@Spell
syn region  ipnatString         start=/"/ end=/"/ oneline
syn match   ipnatContinuation   /\\$/
syn match   ipnatDelimiter      /[;,()]/
syn match   ipnatVariable       /\$\%({\h\w*}\|\h\w*\)/
syn match   ipnatAssign         /^\s*\zs\h\w*\ze\s*=/
syn match   ipnatNumber         /\%([[:alnum:]_.]\)\@<!\%(0x\x\+\|\d\+\)\%([[:alnum:]_.]\)\@!/

" The rule types, then the interface(s).
syn keyword ipnatCommand        map bimap map-block rdr rewrite encap divert nextgroup=ipnatInterface skipwhite
syn match   ipnatInterface      contained /[[:alpha:]][[:alnum:]_.*]*\%(,[[:alpha:]][[:alnum:]_.*]*\)\=/

syn match   ipnatArrow          /->/
syn match   ipnatNot            /!/
syn match   ipnatOperator       /<>\|><\|[<>!]=\|[=<>]/

" Addresses (also the 0/32 shorthand).
syn match   ipnatAddress        /\%([[:alnum:]_.:]\)\@<!\d\{1,3}\%(\.\d\{1,3}\)\{3}\%(\/\%(\d\{1,3}\%(\.\d\{1,3}\)\{3}\|\d\{1,2}\)\)\=\%([[:alnum:]_.]\)\@!/
syn match   ipnatAddress        /\%([[:alnum:]_.:]\)\@<!0\/32\%([[:alnum:]_.]\)\@!/
syn match   ipnatAddress        /\%([[:alnum:]_.:]\)\@<!\x\{1,4}:\%(\x\{0,4}:\)\{1,6}\%(\d\{1,3}\%(\.\d\{1,3}\)\{3}\|\x\{1,4}\)\=\%(\/\d\{1,3}\)\=\%([[:alnum:]_.:]\)\@!/
syn match   ipnatAddress        /\%([[:alnum:]_.:]\)\@<!::\%(\x\{1,4}\%(:\x\{1,4}\)*\)\=\%(\/\d\{1,3}\)\=\%([[:alnum:]_.:]\)\@!/

syn keyword ipnatKeyword        from to port netmask mask range portmap proxy mssclamp age
syn keyword ipnatKeyword        icmpidmap tag
syn keyword ipnatOption         round-robin frag sticky purge sequential
syn keyword ipnatAny            any auto
syn keyword ipnatProtocol       tcp udp icmp esp ah gre ipencap
" Application proxies, e.g. `proxy port 500 ipsec/udp` (IKE).
syn match   ipnatProxy          "\<\%(ftp\|ipsec\|irc\|rcmd\|raudio\|h323\|pptp\|netbios\|dns\|rpcbt\|tftp\)\ze/\%(tcp\|udp\)\>"

hi def link ipnatTodo           Todo
hi def link ipnatComment        Comment
hi def link ipnatString         String
hi def link ipnatContinuation   Special
hi def link ipnatDelimiter      Delimiter
hi def link ipnatVariable       Identifier
hi def link ipnatAssign         Identifier
hi def link ipnatNumber         Number
hi def link ipnatCommand        Statement
hi def link ipnatInterface      Identifier
hi def link ipnatArrow          Operator
hi def link ipnatNot            Operator
hi def link ipnatOperator       Operator
hi def link ipnatAddress        Constant
hi def link ipnatKeyword        Keyword
hi def link ipnatOption         Special
hi def link ipnatAny            Constant
hi def link ipnatProtocol       Type
hi def link ipnatProxy          Special

let b:current_syntax = "ipnat"

let &cpo = s:cpo_save
unlet s:cpo_save
