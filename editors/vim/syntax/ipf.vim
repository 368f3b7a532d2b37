" Vim syntax file
" Language:     IPFilter rules, ipf.conf / ipf.rules (ipf(5); IPFilter 3.4
"               as in FreeBSD 4.x, and the 4.x/5.x superset)
" Filetype:     ipf (not vim's keyword-only `ipfilter`)
" Part of:      ipseclint (editors/vim)
"
" A rule is
"   [@N] action in|out [log ...] [quick] [on IF [dup-to|to|fastroute ...]]
"        [family] [tos N] [ttl N] [proto P] all|from [!]A [port OP N] to [!]B
"        [port ...] [flags F/M] [icmp-type T [code C]] [with ...]
"        [keep state|frags] [head G] [group G] ...
" Keywords are case-insensitive (IPFilter compares with strcasecmp). `#`
" starts a comment, a `\` at the end of a line joins the next one, 4.x/5.x
" variables are `name = "value";` and `$name`.
" NAT rules (ipnat.conf) have their own filetype, ipnat.
" Group names never clash with those of vim's own syntax/ipfilter.vim
" (IPFAction, IPFAny, ...: group names ignore case), so that neither file
" changes the other's colours when both were loaded in one session.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case ignore
" IPFilter words contain `-`: return-rst, or-block, dup-to, icmp-type.
syn iskeyword @,48-57,_,192-255,-
syn sync fromstart

syn keyword ipfTodo             contained TODO FIXME XXX NOTE
syn match   ipfComment          /#.*$/ contains=ipfTodo,@Spell
syn region  ipfString           start=/"/ end=/"/ oneline
syn region  ipfString           start=/'/ end=/'/ oneline
syn match   ipfContinuation     /\\$/
syn match   ipfDelimiter        /[;,{}()]/
syn match   ipfVariable         /\$\%({\h\w*}\|\h\w*\)/
syn match   ipfAssign           /^\s*\zs\h\w*\ze\s*=/
syn match   ipfNumber           /\%([[:alnum:]_.]\)\@<!\%(0x\x\+\|\d\+\)\%([[:alnum:]_.]\)\@!/

" @N: insert at position N.
syn match   ipfInsert           /@\d\+/

" Actions. `log` is an action at the start of a rule, an option after it.
syn keyword ipfRuleAction       block pass count skip auth preauth call nomatch decapsulate
syn match   ipfLog              /\<log\>/
syn match   ipfRuleAction       /\%(^\s*\%(@\d\+\s\+\)\=\%(\d\+\s\+\)\=\)\@<=log\>/
syn keyword ipfLog              body first or-block
syn keyword ipfLog              level nextgroup=ipfLogLevel skipwhite
syn match   ipfLogLevel         contained /\h\w*\%(\.\h\w*\)\=/
syn keyword ipfReturn           return-icmp return-icmp-as-dest return-rst nextgroup=ipfReturnCode
syn match   ipfReturnCode       contained /(\s*[[:alnum:]-]\+\s*)/
syn keyword ipfIcmpCode         net-unr host-unr proto-unr port-unr needfrag srcfail net-unk host-unk
syn keyword ipfIcmpCode         isolate net-prohib host-prohib net-tos host-tos filter-prohib
syn keyword ipfIcmpCode         host-preced cutoff-preced

syn keyword ipfDirection        in out
syn keyword ipfQuick            quick
" on IF[,IF]; dup-to / to / reply-to IF[:addr]; in-via / out-via IF.
syn keyword ipfOn               on nextgroup=ipfInterface skipwhite
syn keyword ipfOption           dup-to route-to reply-to in-via out-via nextgroup=ipfInterface skipwhite
syn keyword ipfOption           fastroute
syn match   ipfInterface        contained /[[:alpha:]][[:alnum:]_.*-]*\%(:[[:xdigit:].:]\+\)\=\%(,[[:alpha:]][[:alnum:]_.*-]*\)*/ nextgroup=ipfRouteTo skipwhite
syn match   ipfRouteTo          contained /\<to\>/ nextgroup=ipfInterface skipwhite

syn keyword ipfFamily           family inet inet6
syn keyword ipfOption           tos ttl
syn keyword ipfOption           proto nextgroup=ipfProtocol skipwhite
syn match   ipfProtocol         contained "tcp/udp\|tcp-udp\|[[:alnum:]_.-]\+"
syn keyword ipfProtocol         tcp udp icmp icmp6 ipv6-icmp esp ah ipencap ipip gre ipcomp igmp
syn keyword ipfProtocol         ospf pim carp pfsync vrrp sctp

" Addresses and ports.
syn keyword ipfFromTo           from to
syn keyword ipfAnyAddr          any all
syn match   ipfNot              /!/
syn keyword ipfOption           mask pool hash bpf-v4 bpf-v6 exp
syn match   ipfAddress          /\%([[:alnum:]_.:]\)\@<!\d\{1,3}\%(\.\d\{1,3}\)\{3}\%(\/\d\{1,3}\)\=\%([[:alnum:]_.]\)\@!/
syn match   ipfAddress          /\%([[:alnum:]_.:]\)\@<!\x\{1,4}:\%(\x\{0,4}:\)\{1,6}\%(\d\{1,3}\%(\.\d\{1,3}\)\{3}\|\x\{1,4}\)\=\%(\/\d\{1,3}\)\=\%([[:alnum:]_.:]\)\@!/
syn match   ipfAddress          /\%([[:alnum:]_.:]\)\@<!::\%(\x\{1,4}\%(:\x\{1,4}\)*\)\=\%(\/\d\{1,3}\)\=\%([[:alnum:]_.:]\)\@!/
syn keyword ipfPort             port nextgroup=ipfOperator,ipfPortNumber skipwhite
syn match   ipfOperator         /<>\|><\|[<>!]=\|[=<>]/ nextgroup=ipfPortNumber skipwhite
syn keyword ipfOperator         contained eq ne lt gt le ge nextgroup=ipfPortNumber skipwhite
syn match   ipfPortNumber       contained /[[:alnum:]_.-]\+\%(:[[:alnum:]_.-]\+\)\=/ nextgroup=ipfOperator skipwhite

" After the addresses.
syn keyword ipfOption           flags nextgroup=ipfFlags skipwhite
syn match   ipfFlags            contained "[[:alpha:]]\+\%(/[[:alpha:]]\+\)\=\|/[[:alpha:]]\+"
syn keyword ipfOption           icmp-type code
syn keyword ipfIcmpType         unreach echo echorep squench redir timex paramprob timest timestrep
syn keyword ipfIcmpType         inforeq inforep maskreq maskrep routerad routersol
syn keyword ipfOption           with and
syn keyword ipfNot              not no
syn keyword ipfWithOpt          ipopts ipopt short nat frag-body frags frag bad-src bad-nat bad oow
syn keyword ipfWithOpt          lowttl mbcast multicast mcast bcast broadcast state opt v6hdrs sec-class
syn match   ipfKeep             /\<keep\s\+\%(state\|frags\=\)\>/ nextgroup=ipfKeepOptions skipwhite
syn keyword ipfKeep             state-age
syn region  ipfKeepOptions      contained matchgroup=ipfDelimiter start=/(/ end=/)/ contains=ipfKeepOption,ipfNumber,ipfDelimiter
syn keyword ipfKeepOption       contained limit age strict noicmperr sync nolog icmp-head max-srcs
syn keyword ipfKeepOption       contained max-per-src loose newisn
syn keyword ipfGroup            head group nextgroup=ipfGroupName skipwhite
syn match   ipfGroupName        contained /"[^"]*"\|[[:alnum:]_.-]\+/
syn keyword ipfOption           set-tag match-tag pps age rule-ttl comment set

hi def link ipfTodo             Todo
hi def link ipfComment          Comment
hi def link ipfString           String
hi def link ipfContinuation     Special
hi def link ipfDelimiter        Delimiter
hi def link ipfVariable         Identifier
hi def link ipfAssign           Identifier
hi def link ipfNumber           Number
hi def link ipfInsert           Special
hi def link ipfRuleAction       Statement
hi def link ipfLog              Special
hi def link ipfLogLevel         Constant
hi def link ipfReturn           Special
hi def link ipfReturnCode       Constant
hi def link ipfIcmpCode         Constant
hi def link ipfDirection        Type
hi def link ipfQuick            Special
hi def link ipfOn               Keyword
hi def link ipfOption           Keyword
hi def link ipfInterface        Identifier
hi def link ipfRouteTo          Keyword
hi def link ipfFamily           Type
hi def link ipfProtocol         Type
hi def link ipfFromTo           Keyword
hi def link ipfAnyAddr          Constant
hi def link ipfNot              Operator
hi def link ipfAddress          Constant
hi def link ipfPort             Keyword
hi def link ipfOperator         Operator
hi def link ipfPortNumber       Number
hi def link ipfFlags            Constant
hi def link ipfIcmpType         Constant
hi def link ipfWithOpt          Constant
hi def link ipfKeep             Special
hi def link ipfKeepOption       Keyword
hi def link ipfGroup            Keyword
hi def link ipfGroupName        Number

let b:current_syntax = "ipf"

let &cpo = s:cpo_save
unlet s:cpo_save
