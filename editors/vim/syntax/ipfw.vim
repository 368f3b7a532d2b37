" Vim syntax file
" Language:     ipfw(8) rules (FreeBSD): rule files loaded with
"               `ipfw [-q] /path` (one command per line, without the word
"               `ipfw`) and rc.firewall-style sh scripts that call
"               `${fwcmd} add ...` / `ipfw -q add ...`
" Filetype:     ipfw
" Part of:      ipseclint (editors/vim)
"
" The rule shape is ipfw2's:
"   [add] [number] [set N] [prob P] action [log [logamount N]]
"         proto from src [ports] to dst [ports] [options]
" Keywords are case-sensitive. A `#` after a blank (or in column 1) starts a
" comment, `// text` is a rule comment. For scripts the shell layer is kept
" light: variables, assignments, quotes, command substitution and the usual
" sh keywords.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
" ipfw words contain `-`: check-state, keep-state, src-ip, dst-port.
syn iskeyword @,48-57,_,192-255,-
syn sync fromstart

" ---------------------------------------------------------------------------
" Shell layer
" ---------------------------------------------------------------------------
syn keyword ipfwTodo            contained TODO FIXME XXX NOTE
syn match   ipfwComment         /\%(^\|\s\|;\)\@<=#.*$/ contains=ipfwTodo,@Spell
syn match   ipfwShebang         /\%1l^#!.*$/
syn match   ipfwContinuation    /\\$/
syn region  ipfwString          start=/"/ skip=/\\\\\|\\"/ end=/"/ contains=ipfwVariable,ipfwShellCmd,ipfwTable
syn region  ipfwString          start=/'/ end=/'/
syn region  ipfwShellCmd        start=/`/ skip=/\\`/ end=/`/ contains=ipfwVariable,ipfwString
syn region  ipfwShellCmd        start=/\$(/ end=/)/ contains=ipfwVariable,ipfwString
syn match   ipfwVariable        /\$\%({[^}]*}\|\h\w*\|[#?@*$!0-9]\)/ nextgroup=ipfwPort skipwhite
syn match   ipfwAssign          /\%(^\|[[:space:];]\)\@<=\h\w*\ze=/
syn keyword ipfwShellKeyword    if then elif else fi case esac for while until do done
syn keyword ipfwShellKeyword    export local readonly shift break continue exit function

" ---------------------------------------------------------------------------
" The ipfw command: `ipfw`, `/sbin/ipfw`, `${fwcmd}`, `$fwcmd`, and flags
" ---------------------------------------------------------------------------
syn match   ipfwCommand         "\%(/\%(usr/\)\=s\=bin/\)\=\<ipfw\>"
syn match   ipfwCommand         /\${\=fwcmd}\=/
syn match   ipfwFlag            /\%(\S\)\@<!-\a\+\%([[:alnum:]_-]\)\@!/
syn keyword ipfwSubcommand      add nextgroup=ipfwRuleNumber skipwhite
syn keyword ipfwSubcommand      delete flush list show zero resetlog enable disable sets iflist set
syn match   ipfwSubcommand      /\<table\>(\@!/
syn match   ipfwRuleNumber      contained /\d\+\%([[:alnum:]_.-]\)\@!/

" ---------------------------------------------------------------------------
" Rule body
" ---------------------------------------------------------------------------
syn keyword ipfwAction          allow accept pass permit deny drop reject reset reset6 count skipto
syn keyword ipfwAction          call return divert tee fwd forward pipe queue nat netgraph ngtee
syn keyword ipfwAction          setfib setdscp reass check-state unreach unreach6 abort abort6
syn keyword ipfwAction          tcp-setmss eaction setmark nat64lsn nat64stl nat64clat nptv6
syn keyword ipfwLog             log logamount
syn keyword ipfwKeyword         prob altq tag untag

syn keyword ipfwProto           ip all tcp udp icmp icmp6 ipv6-icmp esp ah ipencap ipip gre ipcomp
syn keyword ipfwProto           ip4 ipv4 ip6 ipv6 sctp ospf pim igmp carp pfsync vrrp l2tp udplite
syn keyword ipfwProto           etherip encap
syn keyword ipfwFromTo          from to
syn keyword ipfwAny             any me me6 nextgroup=ipfwPort skipwhite
syn keyword ipfwOperator        not or
syn match   ipfwOperator        /!\||/
syn match   ipfwDelimiter       /[{}(),]/
syn match   ipfwTable           /\<table([^)]*)/ nextgroup=ipfwPort skipwhite

" Numbers (`prob 0.5` too); addresses, defined later, win over them.
syn match   ipfwNumber          /\%([[:alnum:]_.]\)\@<!\d\+\%(\.\d\+\)\=\%([[:alnum:]_.]\)\@!/
" Addresses: IPv4 [/len | :mask] [{set}], IPv6 [/len]; then ports.
syn match   ipfwAddress         /\%([[:alnum:]_.:]\)\@<!\d\{1,3}\%(\.\d\{1,3}\)\{3}\%(\/\d\{1,3}\|:\d\{1,3}\%(\.\d\{1,3}\)\{3}\)\=\%({[0-9,-]*}\)\=\%([[:alnum:]_.]\)\@!/ nextgroup=ipfwPort skipwhite
syn match   ipfwAddress         /\%([[:alnum:]_.:]\)\@<!\x\{1,4}:\%(\x\{0,4}:\)\{1,6}\%(\d\{1,3}\%(\.\d\{1,3}\)\{3}\|\x\{1,4}\)\=\%(\/\d\{1,3}\)\=\%([[:alnum:]_.:]\)\@!/ nextgroup=ipfwPort skipwhite
syn match   ipfwAddress         /\%([[:alnum:]_.:]\)\@<!::\%(\x\{1,4}\%(:\x\{1,4}\)*\)\=\%(\/\d\{1,3}\)\=\%([[:alnum:]_.:]\)\@!/ nextgroup=ipfwPort skipwhite
" Ports right after an address: numbers, ranges, lists, the service names
" an IPsec gateway uses.
let s:port = '\%(\d\+\%(-\d\+\)\=\|isakmp\|ipsec-nat-t\|ssh\|domain\|ntp\|http\|https\|smtp\|telnet\|ftp\|ftp-data\|bootps\|bootpc\|snmp\|syslog\)'
exe 'syn match ipfwPort contained /' . s:port . '\%(,' . s:port . '\)*\%([[:alnum:]_.-]\)\@!/'
unlet s:port

syn keyword ipfwDirection       in out
syn keyword ipfwVia             via recv xmit nextgroup=ipfwAny,ipfwVariable,ipfwTable,ipfwAddress,ipfwInterface skipwhite
syn match   ipfwInterface       contained /\a[[:alnum:]_.]*\*\=/

syn keyword ipfwState           keep-state record-state limit set-limit
syn keyword ipfwOption          established estab setup frag fragment ipsec antispoof verrevpath
syn keyword ipfwOption          versrcreach bridged layer2 diverted diverted-loopback diverted-output
syn keyword ipfwOption          sockarg icmptypes icmptype icmp6types icmp6type tcpflags tcpflgs
syn keyword ipfwOption          tcpoptions tcpopts tcpseq tcpack tcpwin tcpdatalen tcpmss ipoptions
syn keyword ipfwOption          ipopts iplen ipid ipttl iptos ipprecedence dscp ipversion ipver
syn keyword ipfwOption          src-ip dst-ip src-ip6 dst-ip6 src-ipv6 dst-ipv6 src-port dst-port
syn keyword ipfwOption          src-addr dst-addr proto ext6hdr flow-id mac MAC mac-type uid gid
syn keyword ipfwOption          jail tagged fib lookup flow mark defer-action skip-action
syn keyword ipfwOption          defer-immediate-action

" `// text`: a comment stored with the rule.
syn match   ipfwRuleComment     "\%(^\|\s\)\@<=//.*$" contains=ipfwTodo

hi def link ipfwTodo            Todo
hi def link ipfwComment         Comment
hi def link ipfwRuleComment     Comment
hi def link ipfwShebang         PreProc
hi def link ipfwContinuation    Special
hi def link ipfwString          String
hi def link ipfwShellCmd        Special
hi def link ipfwVariable        Identifier
hi def link ipfwAssign          Identifier
hi def link ipfwShellKeyword    Statement
hi def link ipfwCommand         PreProc
hi def link ipfwFlag            Special
hi def link ipfwSubcommand      Statement
hi def link ipfwRuleNumber      Number
hi def link ipfwAction          Keyword
hi def link ipfwLog             Special
hi def link ipfwKeyword         Keyword
hi def link ipfwProto           Type
hi def link ipfwFromTo          Keyword
hi def link ipfwAny             Constant
hi def link ipfwOperator        Operator
hi def link ipfwDelimiter       Delimiter
hi def link ipfwTable           Special
hi def link ipfwAddress         Constant
hi def link ipfwPort            Number
hi def link ipfwDirection       Type
hi def link ipfwVia             Keyword
hi def link ipfwInterface       Identifier
hi def link ipfwState           Special
hi def link ipfwOption          Keyword
hi def link ipfwNumber          Number

let b:current_syntax = "ipfw"

let &cpo = s:cpo_save
unlet s:cpo_save
