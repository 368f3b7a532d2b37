" Vim syntax file
" Language:     racoon.conf, the configuration of racoon(8), the IKE daemon of
"               ipsec-tools / KAME (FreeBSD port security/ipsec-tools)
" Filetype:     racoon
" Part of:      ipseclint (editors/vim)
"
" Options:
"   g:ipseclint_hide_keys   When 1, the few secrets a racoon.conf can hold
"                           (the `bind_pw` of `ldapcfg {}` and the shared
"                           secret of a `radiuscfg {}` server) are concealed
"                           and shown as `*` (the ftplugin then sets
"                           'conceallevel' to 2), so that sharing a screen
"                           does not show them. Default 0: they are shown
"                           and highlighted as strings. The pre-shared keys
"                           themselves live in psk.txt (filetype racoonpsk).
"
" The highlighting follows the lexer and grammar of ipsec-tools 0.8.2: the
" blocks `remote`, `proposal` (inside remote), `sainfo`, `listen`, `timer`,
" `padding`, `privsep`, `mode_cfg`, `ldapcfg` and `radiuscfg` are regions,
" and each knows only the statements racoon accepts in it, so a keyword in
" the wrong block (say `dh_group` directly in `remote {}`) stays plain.
" Keywords are case-sensitive, as racoon's are. A `#` starts a comment except
" inside a quoted string. `//` and `/* */` are not comments for racoon; they
" are marked as errors. A `;` right after a `}` (`};`) is a syntax error for
" racoon and is marked, without disturbing what follows.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_,192-255
syn sync fromstart

" ---------------------------------------------------------------------------
" Lexical items, valid everywhere
" ---------------------------------------------------------------------------
syn keyword racoonTodo          contained TODO FIXME XXX NOTE
syn match   racoonComment       /#.*$/ contains=racoonTodo,@Spell
" A quoted string has no escapes and may span lines.
syn region  racoonString        start=/"/ end=/"/ contains=@NoSpell
syn match   racoonNumber        /\%(\w\)\@<!\d\+\%(\w\)\@!/
syn match   racoonSemi          /;/
syn match   racoonComma         /,/
" `};` -- racoon never accepts a `;` after a closing brace.
syn match   racoonStraySemi     /\%(}\s*\)\@<=;/
" Not comments in racoon.conf: the lexer skips these characters one by one.
syn match   racoonBadComment    "//\|/\*\|\*/"
" A `}` that closes nothing (at top level).
syn match   racoonBraceError    /}/

" Addresses: IPv4, IPv6 (with %scope), then /prefix, -range or [port].
syn match   racoonAddress       contained /\%([[:alnum:]_.:]\)\@<!\d\{1,3}\%(\.\d\{1,3}\)\{3}\%([[:alnum:]_.]\)\@!/ nextgroup=racoonPrefix,racoonRange,racoonPort skipwhite
syn match   racoonAddress       contained /\%([[:alnum:]_.:]\)\@<!\x\{1,4}:\%(\x\{0,4}:\)\{1,6}\%(\d\{1,3}\%(\.\d\{1,3}\)\{3}\|\x\{1,4}\)\=\%(%\w\+\)\=\%([[:alnum:]_.:]\)\@!/ nextgroup=racoonPrefix,racoonRange,racoonPort skipwhite
syn match   racoonAddress       contained /\%([[:alnum:]_.:]\)\@<!::\%(\x\{1,4}\%(:\x\{1,4}\)*\)\=\%(%\w\+\)\=\%([[:alnum:]_.:]\)\@!/ nextgroup=racoonPrefix,racoonRange,racoonPort skipwhite
syn match   racoonPrefix        contained "/\d\{1,3}\>" nextgroup=racoonPort skipwhite
syn match   racoonRange         contained /-/ nextgroup=racoonAddress
syn match   racoonPort          contained /\[\s*\%(\d\+\|any\)\s*\]/

" Words racoon's lexer knows in every block.
syn keyword racoonSwitch        contained on off
syn keyword racoonUnit          contained sec secs second seconds min mins minute minutes hour hours
syn keyword racoonUnit          contained B bytes KB MB TB
syn keyword racoonLifetimeKind  contained time byte
syn keyword racoonIdType        contained address subnet fqdn user_fqdn keyid asn1dn
syn keyword racoonIdQual        contained file tag
" Algorithm names of both phases; racoon's lexer splits `aes256` into the
" name and the key length.
syn match   racoonAlgorithm     contained /\<\%(hmac_sha2_256\|hmac_sha2_384\|hmac_sha2_512\|hmac_sha256\|hmac_sha384\|hmac_sha512\|hmac_sha1\|hmac_md5\|non_auth\|des_iv64\|des_iv32\|null_enc\|sha2_256\|sha2_384\|sha2_512\|rijndael\|blowfish\|camellia\|twofish\|cast128\|deflate\|sha256\|sha384\|sha512\|des_mac\|3idea\|tiger\|kpdk\|idea\|null\|sha1\|3des\|md5\|des\|aes\|rc5\|rc4\|oui\|lzs\)\ze\d*\>/ nextgroup=racoonKeyLen skipwhite
syn match   racoonKeyLen        contained /\%(\a\|\s\)\@<=\d\+\>/
syn keyword racoonDHGroup       contained modp768 modp1024 modp1536 modp2048 modp3072 modp4096 modp6144 modp8192 ec2n155 ec2n185
syn keyword racoonAuthMethod    contained pre_shared_key rsasig dsssig rsaenc rsarev gssapi_krb
syn keyword racoonAuthMethod    contained hybrid_rsa_server hybrid_rsa_client hybrid_dss_server hybrid_dss_client
syn keyword racoonAuthMethod    contained xauth_psk_server xauth_psk_client xauth_rsa_server xauth_rsa_client

syn cluster racoonCommon        contains=racoonComment,racoonString,racoonNumber,racoonSemi,racoonComma,racoonStraySemi,racoonBadComment,racoonSwitch
syn cluster racoonTime          contains=racoonLifetimeKind,racoonUnit

" Secrets (ldapcfg bind_pw, radiuscfg shared secret).
if get(g:, 'ipseclint_hide_keys', 0)
  syn match racoonSecret        contained /"[^"]*"/ conceal cchar=*
else
  syn match racoonSecret        contained /"[^"]*"/
endif

" ---------------------------------------------------------------------------
" Top-level statements
" ---------------------------------------------------------------------------
syn keyword racoonStatement     path nextgroup=racoonPathType skipwhite skipnl skipempty
syn keyword racoonStatement     log nextgroup=racoonLogLevel skipwhite skipnl skipempty
syn keyword racoonStatement     gss_id_enc nextgroup=racoonGssEnc skipwhite skipnl skipempty
syn keyword racoonStatement     complex_bundle nextgroup=racoonSwitch skipwhite skipnl skipempty
syn keyword racoonStatement     include pfkey_buffer
syn keyword racoonPathType      contained include pre_shared_key certificate script backupsa pidfile
syn keyword racoonLogLevel      contained error warning notify info debug debug2
syn keyword racoonGssEnc        contained latin1
syn match   racoonGssEnc        contained /\<utf-16le\>/

" Where a block whose `}` is missing ends: at the next top-level statement
" that starts a line (as the parser recovers).
let s:top = '\%(remote\|sainfo\|listen\|timer\|padding\|path\|include\|log\|privsep\)\>'
let s:recover = 'end=/^\ze\s*' . s:top . '/'

" Blocks nobody knows: still a region, so that braces pair and fold.
syn region  racoonBlock         matchgroup=racoonBrace start=/{/ end=/}/ fold contains=@racoonCommon,racoonBlock

" ---------------------------------------------------------------------------
" remote [name|address [port]|anonymous] [inherit parent] { ... }
" ---------------------------------------------------------------------------
syn region  racoonRemoteHead    matchgroup=racoonSection start=/\<remote\>/ end=/\ze[{;]/ contains=racoonAddress,racoonPort,racoonString,racoonAnonymous,racoonHeadKeyword,racoonComment,racoonNumber nextgroup=racoonRemoteBlock skipwhite skipnl skipempty
syn keyword racoonAnonymous     contained anonymous
syn keyword racoonHeadKeyword   contained inherit
exe 'syn region racoonRemoteBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,@racoonTime,racoonRemoteOption,racoonRemoteValue,racoonExchangeMode,racoonIdType,racoonIdQual,racoonAddress,racoonPort,racoonProposal,racoonBlock'
syn keyword racoonRemoteOption  contained remote_address exchange_mode doi situation my_identifier peers_identifier
syn keyword racoonRemoteOption  contained verify_identifier xauth_login certificate_type peers_certfile ca_type
syn keyword racoonRemoteOption  contained verify_cert send_cert send_cr match_empty_cr nonce_size passive ike_frag
syn keyword racoonRemoteOption  contained esp_frag initial_contact mode_cfg weak_phase1_check generate_policy
syn keyword racoonRemoteOption  contained support_proxy nat_traversal dpd dpd_delay dpd_retry dpd_maxfail rekey
syn keyword racoonRemoteOption  contained ph1id lifetime proposal_check script
syn keyword racoonExchangeMode  contained main aggressive base
syn keyword racoonRemoteValue   contained ipsec_doi identity_only secrecy integrity x509 plain_rsa dnssec
syn keyword racoonRemoteValue   contained force require unique obey strict claim exact
syn keyword racoonRemoteValue   contained phase1_up phase1_down phase1_dead

" proposal { ... } inside remote
syn keyword racoonProposal      contained proposal nextgroup=racoonProposalBlock skipwhite skipnl skipempty
exe 'syn region racoonProposalBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,@racoonTime,racoonProposalOption,racoonAlgorithm,racoonAuthMethod,racoonDHGroup,racoonBlock'
syn keyword racoonProposalOption contained encryption_algorithm hash_algorithm authentication_method dh_group
syn keyword racoonProposalOption contained lifetime gss_id gssapi_id

" ---------------------------------------------------------------------------
" sainfo (anonymous|ID) (anonymous|clientaddr|ID) [from ID] [group "g"] { ... }
" ---------------------------------------------------------------------------
syn region  racoonSainfoHead    matchgroup=racoonSection start=/\<sainfo\>/ end=/\ze[{;]/ contains=racoonAddress,racoonPort,racoonString,racoonAnonymous,racoonClientAddr,racoonSainfoKeyword,racoonIdType,racoonIdQual,racoonProto,racoonComment,racoonNumber,racoonComma nextgroup=racoonSainfoBlock skipwhite skipnl skipempty
syn keyword racoonClientAddr    contained clientaddr
syn keyword racoonSainfoKeyword contained from group
syn keyword racoonProto         contained any esp ah ipcomp icmp icmp6 tcp udp gre
exe 'syn region racoonSainfoBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,@racoonTime,racoonSainfoOption,racoonAlgorithm,racoonDHGroup,racoonBlock'
syn keyword racoonSainfoOption  contained encryption_algorithm authentication_algorithm compression_algorithm
syn keyword racoonSainfoOption  contained pfs_group lifetime remoteid

" ---------------------------------------------------------------------------
" The other blocks
" ---------------------------------------------------------------------------
syn keyword racoonSection       listen nextgroup=racoonListenBlock skipwhite skipnl skipempty
exe 'syn region racoonListenBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonListenOption,racoonListenValue,racoonAddress,racoonPort,racoonBlock'
syn keyword racoonListenOption  contained isakmp isakmp_natt strict_address adminsock
syn keyword racoonListenValue   contained disabled

syn keyword racoonSection       timer nextgroup=racoonTimerBlock skipwhite skipnl skipempty
exe 'syn region racoonTimerBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonUnit,racoonTimerOption,racoonBlock'
syn keyword racoonTimerOption   contained counter interval persend phase1 phase2 natt_keepalive

syn keyword racoonSection       padding nextgroup=racoonPaddingBlock skipwhite skipnl skipempty
exe 'syn region racoonPaddingBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonPaddingOption,racoonBlock'
syn keyword racoonPaddingOption contained randomize randomize_length maximum_length strict_check exclusive_tail

syn keyword racoonSection       privsep nextgroup=racoonPrivsepBlock skipwhite skipnl skipempty
exe 'syn region racoonPrivsepBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonPrivsepOption,racoonBlock'
syn keyword racoonPrivsepOption contained user group chroot

syn keyword racoonSection       mode_cfg nextgroup=racoonModeCfgBlock skipwhite skipnl skipempty
exe 'syn region racoonModeCfgBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonModeCfgOption,racoonModeCfgValue,racoonAddress,racoonDHGroup,racoonBlock'
syn keyword racoonModeCfgOption contained network4 netmask4 dns4 wins4 nbns4 split_network split_dns
syn keyword racoonModeCfgOption contained default_domain auth_source auth_groups group_source conf_source
syn keyword racoonModeCfgOption contained accounting pool_size pfs_group save_passwd auth_throttle banner
syn keyword racoonModeCfgValue  contained include local_lan system radius pam ldap local none

syn keyword racoonSection       ldapcfg nextgroup=racoonLdapBlock skipwhite skipnl skipempty
exe 'syn region racoonLdapBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonLdapOption,racoonBlock'
syn keyword racoonLdapOption    contained version host port base subtree bind_dn attr_user attr_addr attr_mask
syn keyword racoonLdapOption    contained attr_group attr_member debug timeout uri
syn keyword racoonLdapOption    contained bind_pw nextgroup=racoonSecret skipwhite skipnl skipempty

syn keyword racoonSection       radiuscfg nextgroup=racoonRadiusBlock skipwhite skipnl skipempty
exe 'syn region racoonRadiusBlock contained matchgroup=racoonBrace start=/{/ end=/}/ ' . s:recover . ' fold contains=@racoonCommon,racoonRadiusOption,racoonBlock'
syn keyword racoonRadiusOption  contained timeout retries
" auth "host" [port] "secret";
syn keyword racoonRadiusOption  contained auth acct nextgroup=racoonRadiusHost skipwhite skipnl skipempty
syn match   racoonRadiusHost    contained /"[^"]*"/ nextgroup=racoonRadiusPort,racoonSecret skipwhite skipnl skipempty
syn match   racoonRadiusPort    contained /\d\+/ nextgroup=racoonSecret skipwhite skipnl skipempty

" ---------------------------------------------------------------------------
" Highlighting
" ---------------------------------------------------------------------------
hi def link racoonTodo           Todo
hi def link racoonComment        Comment
hi def link racoonString         String
hi def link racoonNumber         Number
hi def link racoonKeyLen         Number
hi def link racoonSemi           Delimiter
hi def link racoonComma          Delimiter
hi def link racoonBrace          Delimiter
hi def link racoonStraySemi      Error
hi def link racoonBadComment     Error
hi def link racoonBraceError     Error
hi def link racoonAddress        Constant
hi def link racoonPrefix         Special
hi def link racoonRange          Operator
hi def link racoonPort           Special
hi def link racoonSwitch         Boolean
hi def link racoonUnit           Type
hi def link racoonLifetimeKind   Type
hi def link racoonIdType         Type
hi def link racoonIdQual         Type
hi def link racoonAlgorithm      Type
hi def link racoonDHGroup        Constant
hi def link racoonAuthMethod     Constant
hi def link racoonSecret         String
hi def link racoonStatement      Statement
hi def link racoonPathType       Type
hi def link racoonLogLevel       Constant
hi def link racoonGssEnc         Constant
hi def link racoonSection        Structure
hi def link racoonProposal       racoonSection
hi def link racoonAnonymous      Constant
hi def link racoonClientAddr     Constant
hi def link racoonHeadKeyword    Keyword
hi def link racoonSainfoKeyword  Keyword
hi def link racoonProto          Type
hi def link racoonRemoteOption   Keyword
hi def link racoonProposalOption Keyword
hi def link racoonSainfoOption   Keyword
hi def link racoonListenOption   Keyword
hi def link racoonTimerOption    Keyword
hi def link racoonPaddingOption  Keyword
hi def link racoonPrivsepOption  Keyword
hi def link racoonModeCfgOption  Keyword
hi def link racoonLdapOption     Keyword
hi def link racoonRadiusOption   Keyword
hi def link racoonRadiusHost     racoonString
hi def link racoonRadiusPort     racoonNumber
hi def link racoonExchangeMode   Constant
hi def link racoonRemoteValue    Constant
hi def link racoonListenValue    Constant
hi def link racoonModeCfgValue   Constant

let b:current_syntax = "racoon"

let &cpo = s:cpo_save
unlet s:cpo_save s:top s:recover
