" Headless test of ipseclint's vim syntax files and ftplugins
" (editors/vim/syntax/*.vim, editors/vim/ftplugin/*.vim).
"
" Run from the project root, in vim 9 and in neovim 0.7:
"   IPSECLINT_ROOT=$PWD vim -Nu NONE -i NONE -es -S tests/e2e/vim_syntax.vim
"   IPSECLINT_ROOT=$PWD nvim --headless -u NONE -i NONE -S tests/e2e/vim_syntax.vim
" Prints `ok N assertions` and exits 0, or prints every failing check
" (file, line, column, expected, got) and exits non-zero.
"
" Each case opens a file (a fixture of tests/e2e/vim/ or a corpus file),
" sets the filetype explicitly (detection is tested elsewhere) and compares
" the syntax group at chosen places -- found by a search pattern whose \zs
" marks the column -- with the expected group and, optionally, with the
" standard group it is linked to. It also checks the ftplugin options, the
" folding of racoon blocks and setkey commands, b:undo_ftplugin, that every
" group is linked to a standard group, and g:ipseclint_hide_keys.
"
" IPSECLINT_VIM_SYNTAX_BREAK=1 adds one deliberately wrong expectation, to
" see that a failure makes the editor exit non-zero.
"
" Legacy Vim script only (no vim9script): it must run in neovim 0.7.

let s:root = $IPSECLINT_ROOT
if s:root ==# ''
  let s:root = fnamemodify(expand('<sfile>:p'), ':h:h:h')
endif
let s:root = substitute(s:root, '/\+$', '', '')

let s:count = 0
let s:failures = []
let s:notes = []

" The standard highlight groups (:help group-name).
let s:std = ['Comment', 'Constant', 'String', 'Character', 'Number', 'Boolean',
      \ 'Float', 'Identifier', 'Function', 'Statement', 'Conditional', 'Repeat',
      \ 'Label', 'Operator', 'Keyword', 'Exception', 'PreProc', 'Include',
      \ 'Define', 'Macro', 'PreCondit', 'Type', 'StorageClass', 'Structure',
      \ 'Typedef', 'Special', 'SpecialChar', 'Tag', 'Delimiter',
      \ 'SpecialComment', 'Debug', 'Underlined', 'Ignore', 'Error', 'Todo']
" Region groups that only hold other items and are not highlighted.
let s:containers = '\%(Block\|Head\)$\|^setkeyPolicy$\|^setkeyFold$\|^ipfKeepOptions$'

function! s:Fail(msg) abort
  call add(s:failures, 'FAIL ' . a:msg)
endfunction

function! s:Expect(what, got, expected) abort
  let s:count += 1
  if a:got !=# a:expected
    call s:Fail(printf('%s: expected %s, got %s', a:what, string(a:expected), string(a:got)))
  endif
endfunction

" The first standard group a highlight group links to ('' if none).
function! s:StdLink(name) abort
  let name = a:name
  let seen = 0
  while seen < 10
    if index(s:std, name) >= 0
      return name
    endif
    let out = execute('highlight ' . name)
    let next = matchstr(out, 'links to \zs\w\+')
    if next ==# ''
      return ''
    endif
    let name = next
    let seen += 1
  endwhile
  return ''
endfunction

" Open a file in a fresh buffer and give it a filetype.
function! s:Open(file, ft) abort
  silent! %bwipeout!
  let s:file = a:file
  let path = s:root . '/' . a:file
  if !filereadable(path)
    call s:Fail(a:file . ': file not found')
    return 0
  endif
  try
    execute 'silent edit ' . fnameescape(path)
  catch
    " Errors of other plugins' autocommands do not concern this test.
    call add(s:notes, 'note: ' . a:file . ': ' . v:exception)
  endtry
  execute 'setlocal filetype=' . a:ft
  call s:Expect(a:file . ': b:current_syntax', get(b:, 'current_syntax', ''), a:ft)
  return 1
endfunction

function! s:Where(where) abort
  if type(a:where) == type([])
    return a:where
  endif
  call cursor(1, 1)
  return searchpos(a:where, 'cW')
endfunction

" checks: [where, group] or [where, group, standard group]; where is a
" pattern (\zs marks the column) or [line, column].
function! s:Check(checks) abort
  for chk in a:checks
    let [lnum, col] = s:Where(chk[0])
    let s:count += 1
    if lnum == 0
      call s:Fail(printf('%s: pattern not found: %s (expected %s)', s:file, chk[0], chk[1]))
      continue
    endif
    let id = synID(lnum, col, 1)
    let got = synIDattr(id, 'name')
    " Group names ignore case (vim's ipfilter.vim defines IPFComment).
    if got !=? chk[1]
      call s:Fail(printf('%s:%d:%d: expected %s, got %s   [%s]  %s', s:file, lnum, col,
            \ chk[1], got ==# '' ? '(none)' : got, string(chk[0]), strpart(getline(lnum), col - 1, 24)))
      continue
    endif
    if len(chk) > 2
      let s:count += 1
      let link = got ==# '' ? '' : s:StdLink(got)
      if link !=# chk[2]
        call s:Fail(printf('%s:%d:%d: %s: expected link %s, got %s', s:file, lnum, col,
              \ got, chk[2], link ==# '' ? '(none)' : link))
      endif
    endif
  endfor
endfunction

" Concealed (with `*`) or not, at each place.
function! s:Conceal(wheres, concealed) abort
  for where in a:wheres
    let [lnum, col] = s:Where(where)
    let s:count += 1
    if lnum == 0
      call s:Fail(printf('%s: pattern not found: %s (conceal)', s:file, where))
      continue
    endif
    let c = synconcealed(lnum, col)
    let got = c[0] ? 'concealed as ' . string(c[1]) : 'shown'
    let want = a:concealed ? "concealed as '*'" : 'shown'
    if got !=# want
      call s:Fail(printf('%s:%d:%d: expected %s, got %s   [%s]', s:file, lnum, col, want, got, string(where)))
    endif
  endfor
endfunction

" Every group of the current syntax is linked to a standard group, except
" the container regions.
function! s:AllLinked() abort
  let groups = []
  for line in split(execute('syntax list'), "\n")
    let name = matchstr(line, '^\w\+\ze\s\+xxx')
    if name !=# '' && index(groups, name) < 0
      call add(groups, name)
    endif
  endfor
  call s:Expect(s:file . ': number of syntax groups > 5', len(groups) > 5, 1)
  for name in groups
    if name =~# s:containers
      continue
    endif
    call s:Expect(s:file . ': group ' . name . ' links to a standard group',
          \ s:StdLink(name) !=# '', 1)
  endfor
endfunction

function! s:Opt(name, expected) abort
  call s:Expect(s:file . ': &l:' . a:name, eval('&l:' . a:name), a:expected)
endfunction

" The ftplugin's guard and undo: b:undo_ftplugin restores the options.
function! s:Undo(opts) abort
  call s:Expect(s:file . ': b:did_ftplugin', get(b:, 'did_ftplugin', 0), 1)
  call s:Expect(s:file . ': b:undo_ftplugin set', exists('b:undo_ftplugin'), 1)
  setlocal filetype=
  call s:Expect(s:file . ': b:did_ftplugin after undo', exists('b:did_ftplugin'), 0)
  for opt in a:opts
    call s:Expect(s:file . ': &l:' . opt . ' after undo', eval('&l:' . opt), eval('&g:' . opt))
  endfor
endfunction

function! s:LineOf(pat) abort
  return s:Where(a:pat)[0]
endfunction

" ---------------------------------------------------------------------------
" racoon
" ---------------------------------------------------------------------------
function! s:TestRacoon() abort
  if !s:Open('tests/e2e/vim/racoon.conf', 'racoon')
    return
  endif
  call s:Check([
        \ ['^\zs# racoon.conf fixture', 'racoonComment', 'Comment'],
        \ ['^\zspath include', 'racoonStatement', 'Statement'],
        \ ['^path \zsinclude', 'racoonPathType', 'Type'],
        \ ['^path include \zs"', 'racoonString', 'String'],
        \ ['^path \zspre_shared_key', 'racoonPathType'],
        \ ['^\zsinclude "remotes', 'racoonStatement'],
        \ ['^include "remotes/\zs#not-a-comment', 'racoonString'],
        \ ['#not-a-comment.con\zsf', 'racoonString'],
        \ ['#not-a-comment.conf"\zs;', 'racoonSemi', 'Delimiter'],
        \ ['^log \zsdebug2', 'racoonLogLevel', 'Constant'],
        \ ['^gss_id_enc \zsutf-16le', 'racoonGssEnc', 'Constant'],
        \ ['^gss_id_enc utf-16l\zse', 'racoonGssEnc'],
        \ ['^complex_bundle \zsoff', 'racoonSwitch', 'Boolean'],
        \ ['^pfkey_buffer \zs512', 'racoonNumber', 'Number'],
        \ ['^\zsprivsep {', 'racoonSection', 'Structure'],
        \ ['^privsep \zs{', 'racoonBrace', 'Delimiter'],
        \ ['^\t\zsuser "racoon"', 'racoonPrivsepOption', 'Keyword'],
        \ ['^\t\zsgroup 800', 'racoonPrivsepOption'],
        \ ['^\tgroup \zs800', 'racoonNumber'],
        \ ['^\t\zschroot', 'racoonPrivsepOption'],
        \ ['^\zslisten {', 'racoonSection'],
        \ ['^\t\zsisakmp 198', 'racoonListenOption', 'Keyword'],
        \ ['^\tisakmp \zs198', 'racoonAddress', 'Constant'],
        \ ['^\tisakmp 198.51.100.\zs1', 'racoonAddress'],
        \ ['^\tisakmp 198.51.100.1 \zs\[500', 'racoonPort', 'Special'],
        \ ['^\tisakmp 198.51.100.1 \[50\zs0\]', 'racoonPort'],
        \ ['^\t\zsisakmp_natt', 'racoonListenOption'],
        \ ['^\tisakmp_natt \zs2001:db8::1', 'racoonAddress'],
        \ ['^\tisakmp_natt 2001:db8::\zs1', 'racoonAddress'],
        \ ['^\t\zsadminsock', 'racoonListenOption'],
        \ ['"operator" \zs0660', 'racoonNumber'],
        \ ['^\t\zsstrict_address', 'racoonListenOption'],
        \ ['^\zstimer {', 'racoonSection'],
        \ ['^\t\zscounter 5', 'racoonTimerOption', 'Keyword'],
        \ ['^\tinterval 10 \zssec', 'racoonUnit', 'Type'],
        \ ['^\tnatt_keepalive 15 \zsseconds', 'racoonUnit'],
        \ ['^\zspadding$', 'racoonSection'],
        \ ['^\zs{$', 'racoonBrace'],
        \ ['^\t\zsrandomize off', 'racoonPaddingOption', 'Keyword'],
        \ ['^\trandomize \zsoff', 'racoonSwitch'],
        \ ['^\t\zsmaximum_length', 'racoonPaddingOption'],
        \ ['^\zsremote 203', 'racoonSection', 'Structure'],
        \ ['^remote \zs203.0.113.1', 'racoonAddress'],
        \ ['^remote 203.0.113.1 \zs\[500\]', 'racoonPort'],
        \ ['^remote 203.0.113.1 \[500\] \zs{', 'racoonBrace'],
        \ ['^\t\zsexchange_mode main, aggressive', 'racoonRemoteOption', 'Keyword'],
        \ ['^\texchange_mode \zsmain, aggressive', 'racoonExchangeMode', 'Constant'],
        \ ['^\texchange_mode main\zs, aggressive', 'racoonComma', 'Delimiter'],
        \ ['^\texchange_mode main, \zsaggressive', 'racoonExchangeMode'],
        \ ['my_identifier \zsfqdn', 'racoonIdType', 'Type'],
        \ ['my_identifier fqdn \zs"west', 'racoonString'],
        \ ['peers_identifier \zsaddress', 'racoonIdType'],
        \ ['peers_identifier address \zs203', 'racoonAddress'],
        \ ['^\tnat_traversal \zsforce', 'racoonRemoteValue', 'Constant'],
        \ ['^\tgenerate_policy \zsunique', 'racoonRemoteValue'],
        \ ['^\tproposal_check \zsstrict', 'racoonRemoteValue'],
        \ ['^\t\zsdpd_delay', 'racoonRemoteOption'],
        \ ['^\tdpd_delay \zs30', 'racoonNumber'],
        \ ['^\t\zsscript "', 'racoonRemoteOption'],
        \ ['up.sh" \zsphase1_up', 'racoonRemoteValue'],
        \ ['^\t\zsdh_group modp2048', 'racoonRemoteBlock'],
        \ ['^\tdh_group \zsmodp2048', 'racoonRemoteBlock'],
        \ ['^\t\zslifetime time 8', 'racoonRemoteOption'],
        \ ['^\tlifetime \zstime 8', 'racoonLifetimeKind', 'Type'],
        \ ['^\tlifetime time \zs8 hour', 'racoonNumber'],
        \ ['^\tlifetime time 8 \zshour', 'racoonUnit'],
        \ ['^\t\zsproposal {', 'racoonProposal', 'Structure'],
        \ ['^\t\t\zsencryption_algorithm aes256', 'racoonProposalOption', 'Keyword'],
        \ ['encryption_algorithm \zsaes256', 'racoonAlgorithm', 'Type'],
        \ ['encryption_algorithm aes\zs256', 'racoonKeyLen', 'Number'],
        \ ['hash_algorithm \zssha1', 'racoonAlgorithm'],
        \ ['hash_algorithm sha\zs1', 'racoonAlgorithm'],
        \ ['authentication_method \zspre_shared_key', 'racoonAuthMethod', 'Constant'],
        \ ['^\t\t\zsdh_group 14', 'racoonProposalOption'],
        \ ['^\t\tdh_group \zs14', 'racoonNumber'],
        \ ['^\t\tlifetime time \zs3600', 'racoonNumber'],
        \ ['^\t\tlifetime time 3600 \zssec', 'racoonUnit'],
        \ ['^\zs};', 'racoonBrace'],
        \ ['^}\zs;', 'racoonStraySemi', 'Error'],
        \ ['^\zsremote "backup"', 'racoonSection'],
        \ ['^remote \zs"backup"', 'racoonString'],
        \ ['^remote "backup" \zsinherit', 'racoonHeadKeyword', 'Keyword'],
        \ ['inherit \zs"main-peer"', 'racoonString'],
        \ ['^\t\zsremote_address', 'racoonRemoteOption'],
        \ ['remote_address \zsfe80::1%em0', 'racoonAddress'],
        \ ['remote_address fe80::1%e\zsm0', 'racoonAddress'],
        \ ['^\tpassive \zson', 'racoonSwitch'],
        \ ['^remote \zsanonymous', 'racoonAnonymous', 'Constant'],
        \ ['encryption_algorithm \zs3des', 'racoonAlgorithm'],
        \ ['hash_algorithm \zsmd5', 'racoonAlgorithm'],
        \ ['authentication_method \zsrsasig', 'racoonAuthMethod'],
        \ ['dh_group \zsmodp1024', 'racoonDHGroup', 'Constant'],
        \ ['^\zssainfo address', 'racoonSection'],
        \ ['^sainfo \zsaddress 10.2', 'racoonIdType'],
        \ ['^sainfo address \zs10.2.0.0', 'racoonAddress'],
        \ ['^sainfo address 10.2.0.0\zs/24', 'racoonPrefix', 'Special'],
        \ ['^sainfo address 10.2.0.0/2\zs4', 'racoonPrefix'],
        \ ['^sainfo address 10.2.0.0/24 \zsany', 'racoonProto', 'Type'],
        \ ['10.1.0.1\zs-10.1.0.9', 'racoonRange', 'Operator'],
        \ ['10.1.0.1-\zs10.1.0.9', 'racoonAddress'],
        \ ['10.1.0.9 \zs\[any\]', 'racoonPort'],
        \ ['\[any\] \zstcp from', 'racoonProto'],
        \ ['tcp \zsfrom fqdn', 'racoonSainfoKeyword', 'Keyword'],
        \ ['tcp from \zsfqdn', 'racoonIdType'],
        \ ['from fqdn \zs"east', 'racoonString'],
        \ ['^\t\zspfs_group 2;', 'racoonSainfoOption', 'Keyword'],
        \ ['^\tpfs_group \zs2;', 'racoonNumber'],
        \ ['^\t\zsencryption_algorithm aes 128', 'racoonSainfoOption'],
        \ ['^\tencryption_algorithm \zsaes 128', 'racoonAlgorithm'],
        \ ['^\tencryption_algorithm aes \zs128', 'racoonKeyLen'],
        \ ['aes 128, \zsblowfish', 'racoonAlgorithm'],
        \ ['blowfish \zs448', 'racoonKeyLen'],
        \ ['^\t\zsauthentication_algorithm hmac_sha256', 'racoonSainfoOption'],
        \ ['authentication_algorithm \zshmac_sha256', 'racoonAlgorithm'],
        \ ['hmac_sha256, \zsnon_auth', 'racoonAlgorithm'],
        \ ['^\t\zscompression_algorithm', 'racoonSainfoOption'],
        \ ['compression_algorithm \zsdeflate', 'racoonAlgorithm'],
        \ ['^\t\zsremoteid', 'racoonSainfoOption'],
        \ ['^sainfo \zsanonymous clientaddr', 'racoonAnonymous'],
        \ ['^sainfo anonymous \zsclientaddr', 'racoonClientAddr', 'Constant'],
        \ ['pfs_group \zsmodp3072', 'racoonDHGroup'],
        \ ['encryption_algorithm \zsnull_enc', 'racoonAlgorithm'],
        \ ['^\zsmode_cfg {', 'racoonSection'],
        \ ['^\t\zsnetwork4', 'racoonModeCfgOption', 'Keyword'],
        \ ['^\tnetwork4 \zs10.8.0.1', 'racoonAddress'],
        \ ['^\tdns4 10.8.0.53, \zs10.8.0.54', 'racoonAddress'],
        \ ['^\tsplit_network \zsinclude', 'racoonModeCfgValue', 'Constant'],
        \ ['^\tsplit_network include 10.1.0.0\zs/16', 'racoonPrefix'],
        \ ['^\tauth_source \zssystem', 'racoonModeCfgValue'],
        \ ['^\t\zsbanner', 'racoonModeCfgOption'],
        \ ['^\t\zssave_passwd', 'racoonModeCfgOption'],
        \ ['^\zsldapcfg', 'racoonSection'],
        \ ['^\t\zshost "ldap', 'racoonLdapOption', 'Keyword'],
        \ ['^\t\zsbind_pw', 'racoonLdapOption'],
        \ ['bind_pw \zs"ldap', 'racoonSecret', 'String'],
        \ ['bind_pw "ldap\zs#secret', 'racoonSecret'],
        \ ['^\zsradiuscfg', 'racoonSection'],
        \ ['^\t\zsauth "radius', 'racoonRadiusOption', 'Keyword'],
        \ ['^\tauth \zs"radius', 'racoonRadiusHost', 'String'],
        \ ['^\tauth "radius.example.net" \zs1812', 'racoonRadiusPort', 'Number'],
        \ ['1812 \zs"radius-secret', 'racoonSecret'],
        \ ['^\tacct "radius.example.net" \zs"acct-secret', 'racoonSecret'],
        \ ['^\t\zstimeout 3', 'racoonRadiusOption'],
        \ ['^\zsremote 198.51.100.9 inherit', 'racoonSection'],
        \ ['^remote 198.51.100.9 \zsinherit', 'racoonHeadKeyword'],
        \ ['^remote 198.51.100.9 inherit \zs203.0.113.1;', 'racoonAddress'],
        \ ['^remote 198.51.100.9 inherit 203.0.113.1\zs;', 'racoonSemi'],
        \ ['^\zs// nat_traversal', 'racoonBadComment', 'Error'],
        \ ['^// \zsnat_traversal', ''],
        \ ['^\zs/\* not a comment', 'racoonBadComment'],
        \ ['not a comment \zs\*/', 'racoonBadComment'],
        \ ['^\tproposal {\n\t\tencryption_algorithm aes;\n\zssainfo', 'racoonSection'],
        \ ['^sainfo anonymous {\n\t\zsencryption_algorithm aes;', 'racoonSainfoOption'],
        \ ['^sainfo anonymous {\n\tencryption_algorithm \zsaes;', 'racoonAlgorithm'],
        \ ['encryption_algorithm aes;\n}\n\zs}', 'racoonBraceError', 'Error'],
        \ ])
  if get(g:, 'ipseclint_vim_syntax_break', 0)
    call s:Check([['^\zsremote 203', 'racoonDeliberatelyWrong']])
  endif
  call s:Conceal(['bind_pw \zs"ldap', '1812 \zs"radius-secret'], 0)

  " ftplugin
  call s:Opt('commentstring', '# %s')
  call s:Opt('comments', ':#')
  call s:Opt('foldmethod', 'syntax')
  call s:Opt('foldlevel', 99)
  call s:Opt('conceallevel', 0)
  call s:Expect(s:file . ': iskeyword has _', &l:iskeyword =~# '_', 1)

  " Folding: the blocks are folds; nothing is closed when the file opens.
  let head = s:LineOf('^remote 203')
  let body = s:LineOf('^\texchange_mode main, aggressive')
  let prop = s:LineOf('^\t\tencryption_algorithm aes256')
  let close = s:LineOf('^};')
  call s:Expect(s:file . ': comment line foldlevel', foldlevel(1), 0)
  call s:Expect(s:file . ': remote block foldlevel', foldlevel(body), 1)
  call s:Expect(s:file . ': remote header foldlevel', foldlevel(head), 1)
  call s:Expect(s:file . ': proposal block foldlevel', foldlevel(prop), 2)
  call s:Expect(s:file . ': remote block open at start', foldclosed(body), -1)
  execute body . 'foldclose'
  call s:Expect(s:file . ': closed remote fold starts at', foldclosed(body), head)
  call s:Expect(s:file . ': closed remote fold ends at', foldclosedend(body), close)
  normal! zR
  let listen = s:LineOf('^\tisakmp 198')
  call s:Expect(s:file . ': listen block foldlevel', foldlevel(listen), 1)
  let sainfo = s:LineOf('^\tremoteid')
  call s:Expect(s:file . ': sainfo block foldlevel', foldlevel(sainfo), 1)
  call s:AllLinked()
  call s:Undo(['commentstring', 'comments', 'iskeyword', 'foldmethod', 'foldlevel'])

  " Real files.
  if s:Open('corpus/example/west/racoon.conf', 'racoon')
    call s:Check([
          \ ['^\zs# Clean', 'racoonComment'],
          \ ['^#   \zsspdadd', 'racoonComment'],
          \ ['^\zspath pre_shared_key', 'racoonStatement'],
          \ ['^log \zsnotify', 'racoonLogLevel'],
          \ ['^\tisakmp \zs198.51.100.1', 'racoonAddress'],
          \ ['^\tphase1 30 \zssec', 'racoonUnit'],
          \ ['^remote \zs203.0.113.1 {', 'racoonAddress'],
          \ ['^\tinitial_contact \zson', 'racoonSwitch'],
          \ ['^\t\tdh_group \zsmodp2048', 'racoonDHGroup'],
          \ ['^sainfo address 10.2.0.0\zs/24', 'racoonPrefix'],
          \ ['^\tauthentication_algorithm \zshmac_sha256', 'racoonAlgorithm'],
          \ ])
    let line = s:LineOf('^\t\thash_algorithm')
    call s:Expect(s:file . ': proposal foldlevel', foldlevel(line), 2)
  endif
  if s:Open('corpus/example/broken/racoon.conf', 'racoon')
    call s:Check([
          \ ['^\t\zs// nat_traversal', 'racoonBadComment'],
          \ ['^\t// \zsnat_traversal', 'racoonRemoteOption'],
          \ ['^\t\zsinital_contact', 'racoonRemoteBlock'],
          \ ['^\tlifetime time 8 \zshour$', 'racoonUnit'],
          \ ['^}\zs;', 'racoonStraySemi'],
          \ ['^\zssainfo', 'racoonSection'],
          \ ['^\tencryption_algorithm \zs3des, aes', 'racoonAlgorithm'],
          \ ['^\tauthentication_algorithm hmac_md5, \zshmac_sha256', 'racoonAlgorithm'],
          \ ['^\t\zscompression_algorithm', 'racoonSainfoOption'],
          \ ])
    let line = s:LineOf('^\tpfs_group')
    call s:Expect(s:file . ': sainfo after "};" folds', foldlevel(line), 1)
  endif
  let gw = 'corpus/gateways/branch-broken/usr/local/etc/racoon/racoon.conf'
  if s:Open(gw, 'racoon')
    call s:Check([
          \ ['^\tisakmp 192.0.2.99 \zs\[500\]', 'racoonPort'],
          \ ['^\tmy_identifier \zsaddress', 'racoonIdType'],
          \ ['^sainfo address 10.3.0.0/16 \zsany', 'racoonProto'],
          \ ])
  endif
endfunction

" ---------------------------------------------------------------------------
" setkey
" ---------------------------------------------------------------------------
function! s:TestSetkey() abort
  if !s:Open('tests/e2e/vim/setkey.conf', 'setkey')
    return
  endif
  call s:Check([
        \ ['^\zs# setkey fixture', 'setkeyComment', 'Comment'],
        \ ['^\zsflush;', 'setkeyCommand', 'Statement'],
        \ ['^flush\zs;', 'setkeySemi', 'Delimiter'],
        \ ['^\zsspdflush;', 'setkeyCommand'],
        \ ['^flush \zsesp;', 'setkeyProtocol', 'Type'],
        \ ['^flush esp; \zsspddump', 'setkeyCommand'],
        \ ['^\zsspdadd 10.2', 'setkeyCommand'],
        \ ['^spdadd \zs10.2.0.0/24', 'setkeyAddress', 'Constant'],
        \ ['^spdadd 10.2.0.\zs0/24', 'setkeyAddress'],
        \ ['^spdadd 10.2.0.0\zs/24', 'setkeyPrefix', 'Special'],
        \ ['^spdadd 10.2.0.0/24 10.1.0.0/24 \zsany', 'setkeyAny', 'Constant'],
        \ ['^spdadd 10.2.0.0/24 10.1.0.0/24 any \zs-P out', 'setkeyOption', 'Special'],
        \ ['any -\zsP out ipsec esp', 'setkeyOption'],
        \ ['any -P \zsout ipsec esp', 'setkeyDirection', 'Type'],
        \ ['any -P out \zsipsec esp', 'setkeyAction', 'Keyword'],
        \ ['-P out ipsec \zsesp/tunnel/198', 'setkeyProtocol'],
        \ ['-P out ipsec esp\zs/tunnel/198', 'setkeyPolicyDelim', 'Delimiter'],
        \ ['-P out ipsec esp/\zstunnel/198', 'setkeyMode', 'Type'],
        \ ['esp/tunnel/\zs198.51.100.1-203', 'setkeyAddress'],
        \ ['esp/tunnel/198.51.100.1\zs-203', 'setkeyPolicyDelim'],
        \ ['esp/tunnel/198.51.100.1-\zs203', 'setkeyAddress'],
        \ ['203.0.113.1/\zsrequire;', 'setkeyLevel', 'Constant'],
        \ ['203.0.113.1/require\zs;', 'setkeySemi'],
        \ ['^spdadd \zs-4n', 'setkeyOption'],
        \ ['^spdadd -4n 10.1.0.0/24\zs\[any\]', 'setkeyPort', 'Special'],
        \ ['^spdadd -4n 10.1.0.0/24\[an\zsy\]', 'setkeyPort'],
        \ ['10.2.0.0/24\zs\[500\] udp', 'setkeyPort'],
        \ ['\[500\] \zsudp$', 'setkeyUpperspec', 'Type'],
        \ ['^\t\zs-P in ipsec$', 'setkeyOption'],
        \ ['^\t-P \zsin ipsec$', 'setkeyDirection'],
        \ ['^\t-P in \zsipsec$', 'setkeyAction'],
        \ ['^\t\zsesp/tunnel/203', 'setkeyProtocol'],
        \ ['^\tesp/tunnel/203.0.113.1-198.51.100.1/\zsunique:7', 'setkeyLevel'],
        \ ['unique:\zs7;', 'setkeyLevel'],
        \ ['^spdadd \zs2001:db8:1::/48', 'setkeyAddress'],
        \ ['^spdadd 2001:db8:1::\zs/48', 'setkeyPrefix'],
        \ ['\zsicmp6 135', 'setkeyUpperspec'],
        \ ['icmp6 \zs135,0', 'setkeyNumber', 'Number'],
        \ ['icmp6 135\zs,0', 'setkeyComma'],
        \ ['135,0 -P out \zsnone', 'setkeyAction'],
        \ ['^spdadd \zsfe80::1%em0', 'setkeyAddress'],
        \ ['^spdadd fe80::1%em0 \zs::1', 'setkeyAddress'],
        \ ['::1 any -P in \zsdiscard', 'setkeyAction'],
        \ ['^\zsspddelete', 'setkeyCommand'],
        \ ['^spddelete .* -P \zsout;', 'setkeyDirection'],
        \ ['-P out ipsec \zs# broken', 'setkeyPolicyError', 'Error'],
        \ ['^\tesp/\zstransport//require;', 'setkeyMode'],
        \ ['^\tesp/transport//\zsrequire;', 'setkeyLevel'],
        \ ['^\zs# manual keys', 'setkeyComment'],
        \ ['^\zsadd 203', 'setkeyCommand'],
        \ ['^add 203.0.113.1 198.51.100.1 \zsesp 0x670d', 'setkeyProtocol'],
        \ ['esp \zs0x670d', 'setkeySPI', 'Number'],
        \ ['0x670d \zs-m tunnel', 'setkeyOption'],
        \ ['-m \zstunnel -u', 'setkeyMode'],
        \ ['-m tunnel \zs-u 7', 'setkeyOption'],
        \ ['-u \zs7$', 'setkeyNumber'],
        \ ['^\t\zs-E aes-cbc', 'setkeyOption'],
        \ ['^\t-E \zsaes-cbc', 'setkeyEncAlg', 'Identifier'],
        \ ['^\t-E aes-cb\zsc', 'setkeyEncAlg'],
        \ ['^\t-E aes-cbc \zs0x346e', 'setkeySecret', 'String'],
        \ ['^\t-E aes-cbc 0x346e711ea87685f2e4185ce9965def4\zsb$', 'setkeySecret'],
        \ ['^\t\zs-A hmac-sha2-256', 'setkeyOption'],
        \ ['^\t-A \zshmac-sha2-256', 'setkeyAuthAlg', 'Identifier'],
        \ ['^\t-A hmac-sha2-25\zs6', 'setkeyAuthAlg'],
        \ ['^\t-A hmac-sha2-256 \zs"a quoted', 'setkeySecret'],
        \ ['"a quoted\zs; key', 'setkeySecret'],
        \ ['"a quoted; key \zs# not a comment', 'setkeySecret'],
        \ ['# not a comment"\zs;', 'setkeySemi'],
        \ ['\zsesp-old 4097', 'setkeyProtocol'],
        \ ['esp-ol\zsd 4097', 'setkeyProtocol'],
        \ ['esp-old \zs4097', 'setkeySPI'],
        \ ['4097 -E \zs3des-cbc', 'setkeyEncAlg'],
        \ ['3des-cbc \zs0xdeadbeef', 'setkeySecret'],
        \ ['ah \zs0x1000', 'setkeySPI'],
        \ ['-A \zshmac-sha1 0x', 'setkeyAuthAlg'],
        \ ['-A hmac-sha1 \zs0x0123', 'setkeySecret'],
        \ ['01234567 \zs;', 'setkeySemi'],
        \ ['01234567 ; \zs# trailing', 'setkeyComment'],
        \ ['-f \zszero-pad', 'setkeyPad', 'Constant'],
        \ ['zero-pad \zs-E', 'setkeyOption'],
        \ ['-E \zsaes-gcm-16', 'setkeyEncAlg'],
        \ ['-E aes-gcm-1\zs6', 'setkeyEncAlg'],
        \ ['aes-gcm-16 \zs0x0011', 'setkeySecret'],
        \ ['-E \zschacha99', 'setkeyAlgUnknown', 'Error'],
        \ ['chacha99 \zs0xfeedface', 'setkeySecret'],
        \ ['\zsipcomp 0x4000', 'setkeyProtocol'],
        \ ['ipcomp \zs0x4000', 'setkeySPI'],
        \ ['-C \zsdeflate', 'setkeyCompAlg', 'Identifier'],
        \ ['-C deflate \zs-R;', 'setkeyOption'],
        \ ['0x1003 -E \zsnull;', 'setkeyEncAlg'],
        \ ['0x1003 -E null\zs;', 'setkeySemi'],
        \ ['^\zsget ', 'setkeyCommand'],
        \ ['^get .* esp \zs0x1001', 'setkeySPI'],
        \ ['^\zsdelete ', 'setkeyCommand'],
        \ ['^delete .* ah \zs4096', 'setkeySPI'],
        \ ['^\zsdeleteall', 'setkeyCommand'],
        \ ['^deleteall .* \zsesp;', 'setkeyProtocol'],
        \ ])
  call s:Conceal(['^\t-E aes-cbc \zs0x346e', '^\t-A hmac-sha2-256 \zs"a quoted'], 0)
  call s:Opt('commentstring', '# %s')
  call s:Opt('comments', ':#')
  call s:Opt('foldmethod', 'syntax')
  call s:Opt('foldlevel', 99)
  call s:Opt('conceallevel', 0)
  call s:Expect(s:file . ': iskeyword has -', &l:iskeyword =~# ',-', 1)
  " A command over several lines folds; a one-line command does not.
  let first = s:LineOf('^add 203')
  let last = s:LineOf('^\t-A hmac-sha2-256 "a quoted')
  let multi = s:LineOf('^spdadd -4n')
  call s:Expect(s:file . ': 3-line add foldlevel', foldlevel(first + 1), 1)
  call s:Expect(s:file . ': 3-line spdadd foldlevel', foldlevel(multi + 2), 1)
  call s:Expect(s:file . ': one-line command foldlevel', foldlevel(s:LineOf('^get ')), 0)
  execute (first + 1) . 'foldclose'
  call s:Expect(s:file . ': closed add fold starts at', foldclosed(first + 1), first)
  call s:Expect(s:file . ': closed add fold ends at', foldclosedend(first + 1), last)
  normal! zR
  call s:AllLinked()
  call s:Undo(['commentstring', 'comments', 'iskeyword', 'foldmethod', 'foldlevel'])

  if s:Open('corpus/pairs/clean-manual-keys/west/etc/ipsec.conf', 'setkey')
    call s:Check([
          \ ['^\zsflush;', 'setkeyCommand'],
          \ ['^\zsspdadd 10.2', 'setkeyCommand'],
          \ ['-P \zsout ipsec', 'setkeyDirection'],
          \ ['/\zsrequire;', 'setkeyLevel'],
          \ ['^add 203.0.113.1 198.51.100.1 esp \zs0x670d', 'setkeySPI'],
          \ ['^\t-E \zsaes-cbc', 'setkeyEncAlg'],
          \ ['^\t-E aes-cbc \zs0x', 'setkeySecret'],
          \ ['^\t-A hmac-sha2-256 \zs0x', 'setkeySecret'],
          \ ])
  endif
  if s:Open('corpus/gateways/branch-broken/etc/ipsec.conf', 'setkey')
    call s:Check([
          \ ['^\zs# branch-broken', 'setkeyComment'],
          \ ['^\zsspdflush', 'setkeyCommand'],
          \ ['-P \zsin ipsec', 'setkeyDirection'],
          \ ['ipsec esp/\zstunnel/', 'setkeyMode'],
          \ ])
  endif
endfunction

" ---------------------------------------------------------------------------
" racoonpsk
" ---------------------------------------------------------------------------
function! s:TestPsk() abort
  if !s:Open('tests/e2e/vim/psk.txt', 'racoonpsk')
    return
  endif
  call s:Check([
        \ ['^\zs# psk fixture', 'racoonpskComment', 'Comment'],
        \ ['^\zs203.0.113.1\t', 'racoonpskAddress', 'Constant'],
        \ ['^203.0.113.\zs1\t', 'racoonpskAddress'],
        \ ['^203.0.113.1\t\zsFtQM', 'racoonpskSecret', 'String'],
        \ ['^203.0.113.1\tFtQM7TYNJQ0biaaNEQMPRKRrgbwMUgz\zsJ', 'racoonpskSecret'],
        \ ['^\zs2001:db8::1 ', 'racoonpskAddress'],
        \ ['^2001:db8::1  \zskey#', 'racoonpskSecret'],
        \ ['^2001:db8::1  key\zs#with', 'racoonpskSecret'],
        \ ['a hash \zs# and more', 'racoonpskSecret'],
        \ ['^\zsvpn.example.com', 'racoonpskIdent', 'Identifier'],
        \ ['^vpn.example.com\t\zssecret', 'racoonpskSecret'],
        \ ['^\zsuser@example.com', 'racoonpskIdent'],
        \ ['^user@example.com   \zs0x0123', 'racoonpskSecret'],
        \ ['^\zs\*\t', 'racoonpskWildcard', 'Special'],
        \ ['^\*\t\zswildcard-key', 'racoonpskSecret'],
        \ ['^  \zs# indented', 'racoonpskIndented', 'Error'],
        \ ['^  # \zsindented: not', 'racoonpskSecret'],
        \ ['^    \zs198.51.100.1\t', 'racoonpskIndented'],
        \ ['^    198.51.100.1\t\zsindented-entry', 'racoonpskSecret'],
        \ ['^198.51.100.2\t\zskey with', 'racoonpskSecret'],
        \ ['^198.51.100.2\tkey with trailing blank\zss', 'racoonpskSecret'],
        \ ['^198.51.100.2\tkey with trailing blanks\zs   $', 'racoonpskTrailing', 'Error'],
        \ ['^\zs192.0.2.1$', 'racoonpskAddress'],
        \ ])
  call s:Conceal(['^203.0.113.1\t\zsFtQM'], 0)
  call s:Opt('commentstring', '# %s')
  call s:Opt('comments', ':#')
  call s:Opt('conceallevel', 0)
  call s:Expect(s:file . ': iskeyword has . and @', &l:iskeyword =~# ',\.' && &l:iskeyword =~# '@-@', 1)
  call s:AllLinked()
  call s:Undo(['commentstring', 'comments', 'iskeyword'])

  if s:Open('corpus/example/broken/psk.txt', 'racoonpsk')
    call s:Check([
          \ ['^\zs# Broken psk.txt', 'racoonpskComment'],
          \ ['^\zs203.0.113.1\t', 'racoonpskAddress'],
          \ ['^203.0.113.1\t\zsU6st', 'racoonpskSecret'],
          \ ['^203.0.113.1\t\S\+\zs  $', 'racoonpskTrailing'],
          \ ['^    \zs198.51.100.1', 'racoonpskIndented'],
          \ ['^    198.51.100.1\t\zs2jGW', 'racoonpskSecret'],
          \ ])
  endif
  if s:Open('corpus/example/west/psk.txt', 'racoonpsk')
    call s:Check([
          \ ['^\zs# east.example.com', 'racoonpskComment'],
          \ ['^\zs203.0.113.1\t', 'racoonpskAddress'],
          \ ['^203.0.113.1\t\zs\S', 'racoonpskSecret'],
          \ ])
  endif
endfunction

" ---------------------------------------------------------------------------
" ipfw
" ---------------------------------------------------------------------------
function! s:TestIpfw() abort
  if !s:Open('tests/e2e/vim/ipfw.rules', 'ipfw')
    return
  endif
  call s:Check([
        \ ['^\zs# ipfw rule file', 'ipfwComment', 'Comment'],
        \ ['^\zs-f flush', 'ipfwFlag', 'Special'],
        \ ['^-f \zsflush', 'ipfwSubcommand', 'Statement'],
        \ ['^\zs-q add 100', 'ipfwFlag'],
        \ ['^-q \zsadd 100', 'ipfwSubcommand'],
        \ ['^-q add \zs100', 'ipfwRuleNumber', 'Number'],
        \ ['^-q add 100 \zsallow ip', 'ipfwAction', 'Keyword'],
        \ ['^-q add 100 allow \zsip from', 'ipfwProto', 'Type'],
        \ ['^-q add 100 allow ip \zsfrom any', 'ipfwFromTo', 'Keyword'],
        \ ['^-q add 100 allow ip from \zsany to', 'ipfwAny', 'Constant'],
        \ ['^-q add 100 allow ip from any \zsto any', 'ipfwFromTo'],
        \ ['^-q add .* \zsvia lo0', 'ipfwVia', 'Keyword'],
        \ ['^-q add .* via \zslo0', 'ipfwInterface', 'Identifier'],
        \ ['^add 200 deny \zslog logamount', 'ipfwLog', 'Special'],
        \ ['^add 200 deny log \zslogamount', 'ipfwLog'],
        \ ['logamount \zs50', 'ipfwNumber', 'Number'],
        \ ['^add 200 .* from \zs10.0.0.0/8', 'ipfwAddress', 'Constant'],
        \ ['^add 200 .* from 10.0.0.0/\zs8', 'ipfwAddress'],
        \ ['^add 200 .* to any \zsin via em0', 'ipfwDirection', 'Type'],
        \ ['^add 500 allow \zsudp', 'ipfwProto'],
        \ ['^add 500 .* from 203.0.113.1 \zs500 to me', 'ipfwPort', 'Number'],
        \ ['^add 500 .* to \zsme isakmp', 'ipfwAny'],
        \ ['^add 500 .* to me \zsisakmp,4500', 'ipfwPort'],
        \ ['^add 500 .* to me isakmp,\zs4500', 'ipfwPort'],
        \ ['^add 500 .* in \zsrecv em0', 'ipfwVia'],
        \ ['^add 500 .* recv \zsem0', 'ipfwInterface'],
        \ ['^add 500 .* \zskeep-state', 'ipfwState', 'Special'],
        \ ['^add 500 .* keep-stat\zse$', 'ipfwState'],
        \ ['^add 520 allow \zsesp', 'ipfwProto'],
        \ ['^add 520 .* \zsout xmit', 'ipfwDirection'],
        \ ['^add 520 .* out \zsxmit', 'ipfwVia'],
        \ ['^add 600 .* to me \zs1024-65535', 'ipfwPort'],
        \ ['^add 600 .* to me 1024-\zs65535', 'ipfwPort'],
        \ ['^add 600 .* \zssetup established', 'ipfwOption', 'Keyword'],
        \ ['^add 600 .* setup \zsestablished', 'ipfwOption'],
        \ ['^add 700 deny \zsall from', 'ipfwProto'],
        \ ['^add 700 .* from \zs192.168.0.0:255.255.0.0', 'ipfwAddress'],
        \ ['^add 700 .* from 192.168.0.0:255.255.\zs0.0', 'ipfwAddress'],
        \ ['^add 700 .* to \zsnot 2001', 'ipfwOperator', 'Operator'],
        \ ['^add 700 .* not \zs2001:db8::/32', 'ipfwAddress'],
        \ ['^add 700 .* not 2001:db8::/3\zs2', 'ipfwAddress'],
        \ ['^add 800 \zsskipto 1000', 'ipfwAction'],
        \ ['^add 800 skipto \zs1000', 'ipfwNumber'],
        \ ['^add 800 .* to \zs"table(13)"', 'ipfwString', 'String'],
        \ ['^add 800 .* to "\zstable(13)"', 'ipfwTable', 'Special'],
        \ ['^add 900 allow \zs{ tcp', 'ipfwDelimiter', 'Delimiter'],
        \ ['^add 900 allow { \zstcp or', 'ipfwProto'],
        \ ['^add 900 allow { tcp \zsor udp', 'ipfwOperator'],
        \ ['^add 900 .* \zsdst-port 53', 'ipfwOption'],
        \ ['^add 900 .* dst-port \zs53', 'ipfwNumber'],
        \ ['^add 900 .* \zs// DNS out', 'ipfwRuleComment', 'Comment'],
        \ ['^add \zsallow ipencap', 'ipfwAction'],
        \ ['^add allow \zsipencap', 'ipfwProto'],
        \ ['^add allow ipencap from \zs1.2.3.0/24{5,7-9}', 'ipfwAddress'],
        \ ['^add allow ipencap from 1.2.3.0/24{5,7-\zs9}', 'ipfwAddress'],
        \ ['^add allow .* via \zsgif\*', 'ipfwInterface'],
        \ ['^add allow .* via gif\zs\*', 'ipfwInterface'],
        \ ['^add 65000 \zscheck-state', 'ipfwAction'],
        \ ['^\zstable 1 add', 'ipfwSubcommand'],
        \ ['^table 1 \zsadd', 'ipfwSubcommand'],
        \ ['^table 1 add \zs10.0.0.0/8', 'ipfwAddress'],
        \ ['^add 65534 .* any  \zs# default deny', 'ipfwComment'],
        \ ])
  call s:Opt('commentstring', '# %s')
  call s:Opt('comments', ':#')
  call s:Expect(s:file . ': iskeyword has -', &l:iskeyword =~# ',-', 1)
  " vim takes *.rules for snort (hog) first; its ftplugin leaves a stale
  " b:did_ftplugin and mappings, which ftplugin/ipfw.vim clears.
  call s:Expect(s:file . ': no ]] mapping left by the hog ftplugin', maparg(']]', 'n'), '')
  call s:Expect(s:file . ': no define left by the hog ftplugin', &l:define, &g:define)
  call s:AllLinked()
  call s:Undo(['commentstring', 'comments', 'iskeyword'])

  if s:Open('tests/e2e/vim/rc.firewall', 'ipfw')
    call s:Check([
          \ ['^\zs#!/bin/sh', 'ipfwShebang', 'PreProc'],
          \ ['^\zs# rc.firewall-style', 'ipfwComment'],
          \ ['^\zsfwcmd=', 'ipfwAssign', 'Identifier'],
          \ ['^fwcmd=\zs"/sbin/ipfw', 'ipfwString'],
          \ ['^\zsoif=', 'ipfwAssign'],
          \ ['^inet=\zs`', 'ipfwShellCmd', 'Special'],
          \ ['^inet=`ifconfig \zs${oif}', 'ipfwVariable', 'Identifier'],
          \ ['^\zs${fwcmd} -f flush', 'ipfwCommand', 'PreProc'],
          \ ['^${fwcm\zsd} -f flush', 'ipfwCommand'],
          \ ['^${fwcmd} \zs-f flush', 'ipfwFlag'],
          \ ['^${fwcmd} -f \zsflush', 'ipfwSubcommand'],
          \ ['^\zs$fwcmd add 100', 'ipfwCommand'],
          \ ['^$fwcmd \zsadd 100', 'ipfwSubcommand'],
          \ ['^$fwcmd add \zs100', 'ipfwRuleNumber'],
          \ ['^$fwcmd add 100 \zspass all', 'ipfwAction'],
          \ ['^$fwcmd add 100 pass \zsall from', 'ipfwProto'],
          \ ['1000 allow udp from 198.51.100.1 \zs500 to me', 'ipfwPort'],
          \ ['1000 allow udp .* to me \zs500 in', 'ipfwPort'],
          \ ['1000 allow udp .* in via \zs${oif}', 'ipfwVariable'],
          \ ['^\zs/sbin/ipfw add', 'ipfwCommand'],
          \ ['^/sbin/\zsipfw add', 'ipfwCommand'],
          \ ['^/sbin/ipfw add 1100 .* from \zs${inet}', 'ipfwVariable'],
          \ ['^\zsipfw -q add 1200', 'ipfwCommand'],
          \ ['^ipfw \zs-q add 1200', 'ipfwFlag'],
          \ ['^ipfw -q add \zs1200', 'ipfwRuleNumber'],
          \ ['^\zsif \[', 'ipfwShellKeyword', 'Statement'],
          \ ['^if \[ -n \zs"${oif}"', 'ipfwString'],
          \ ['^if \[ -n "\zs${oif}"', 'ipfwVariable'],
          \ ['; \zsthen$', 'ipfwShellKeyword'],
          \ ['^\t\zs${fwcmd} add 1300', 'ipfwCommand'],
          \ ['1300 \zsnat 123', 'ipfwAction'],
          \ ['1300 nat 123 \zsip4', 'ipfwProto'],
          \ ['^\zsfi$', 'ipfwShellKeyword'],
          \ ])
  endif
  let rules = 'corpus/pairs/fail-ipfw-lan-interface/east/etc/ipfw.rules'
  if s:Open(rules, 'ipfw')
    call s:Check([
          \ ['^\zsfwcmd="/sbin/ipfw"', 'ipfwAssign'],
          \ ['^\zs$fwcmd -f flush', 'ipfwCommand'],
          \ ['^$fwcmd add 1100 allow \zsesp', 'ipfwProto'],
          \ ['\zsicmptypes 0,3', 'ipfwOption'],
          \ ['via \zs${iif}', 'ipfwVariable'],
          \ ])
  endif
  if s:Open('corpus/pairs/fail-psk-ident-typo/west/etc/ipfw.rules', 'ipfw')
    call s:Check([
          \ ['^\zs-f flush', 'ipfwFlag'],
          \ ['^add \zs100', 'ipfwRuleNumber'],
          \ ['^add 500 allow udp from 203.0.113.1 \zs500', 'ipfwPort'],
          \ ['\zskeep-state', 'ipfwState'],
          \ ['^add 65000 \zsdeny', 'ipfwAction'],
          \ ])
  endif
endfunction

" ---------------------------------------------------------------------------
" ipf
" ---------------------------------------------------------------------------
function! s:TestIpf() abort
  if !s:Open('tests/e2e/vim/ipf.rules', 'ipf')
    return
  endif
  call s:Check([
        \ ['^\zs# IPFilter fixture', 'ipfComment', 'Comment'],
        \ ['^\zsext = ', 'ipfAssign', 'Identifier'],
        \ ['^ext \zs= ', 'ipfOperator', 'Operator'],
        \ ['^ext = \zs"em0"', 'ipfString', 'String'],
        \ ['^ext = "em0"\zs;', 'ipfDelimiter', 'Delimiter'],
        \ ['^\zspass in quick on lo0', 'ipfRuleAction', 'Statement'],
        \ ['^pass \zsin quick on lo0', 'ipfDirection', 'Type'],
        \ ['^pass in \zsquick on lo0', 'ipfQuick', 'Special'],
        \ ['^pass in quick \zson lo0', 'ipfOn', 'Keyword'],
        \ ['^pass in quick on \zslo0', 'ipfInterface', 'Identifier'],
        \ ['^pass in quick on lo0 \zsall', 'ipfAnyAddr', 'Constant'],
        \ ['^\zsblock in log', 'ipfRuleAction'],
        \ ['^block in \zslog on em0', 'ipfLog', 'Special'],
        \ ['^block in log on em0 all \zshead 10', 'ipfGroup', 'Keyword'],
        \ ['^block in log on em0 all head \zs10', 'ipfGroupName', 'Number'],
        \ ['^  \zspass in quick proto udp', 'ipfRuleAction'],
        \ ['^  pass in quick \zsproto udp', 'ipfOption', 'Keyword'],
        \ ['^  pass in quick proto \zsudp', 'ipfProtocol', 'Type'],
        \ ['^  pass in quick proto udp \zsfrom', 'ipfFromTo', 'Keyword'],
        \ ['proto udp from \zs203.0.113.1 port', 'ipfAddress', 'Constant'],
        \ ['proto udp from 203.0.113.1 \zsport = 500', 'ipfPort', 'Keyword'],
        \ ['proto udp from 203.0.113.1 port \zs= 500', 'ipfOperator'],
        \ ['proto udp from 203.0.113.1 port = \zs500', 'ipfPortNumber', 'Number'],
        \ ['port = 500 \zsto 198', 'ipfFromTo'],
        \ ['port = \zsisakmp', 'ipfPortNumber'],
        \ ['port = isakmp \zsgroup 10', 'ipfGroup'],
        \ ['port = isakmp group \zs10', 'ipfGroupName'],
        \ ['proto \zsesp from', 'ipfProtocol'],
        \ ['198.51.100.1 \zskeep state group 10', 'ipfKeep', 'Special'],
        \ ['198.51.100.1 keep \zsstate group 10', 'ipfKeep'],
        \ ['^block \zsreturn-icmp(', 'ipfReturn', 'Special'],
        \ ['^block return-icmp\zs(port-unr)', 'ipfReturnCode', 'Constant'],
        \ ['^block return-icmp(\zsport-unr)', 'ipfReturnCode'],
        \ ['^block return-icmp(port-unr) \zsin', 'ipfDirection'],
        \ ['quick on \zs$ext', 'ipfVariable', 'Identifier'],
        \ ['to any port \zs6000 <>', 'ipfPortNumber'],
        \ ['port 6000 \zs<> 6009', 'ipfOperator'],
        \ ['port 6000 <> \zs6009', 'ipfPortNumber'],
        \ ['^block \zsreturn-rst', 'ipfReturn'],
        \ ['^block return-rst in on em0 proto \zstcp', 'ipfProtocol'],
        \ ['from \zs!10.0.0.0/8', 'ipfNot', 'Operator'],
        \ ['from !\zs10.0.0.0/8', 'ipfAddress'],
        \ ['from !10.0.0.0/\zs8', 'ipfAddress'],
        \ ['to any port \zs>= 1024', 'ipfOperator'],
        \ ['port >= \zs1024', 'ipfPortNumber'],
        \ ['1024 \zsflags S/SA', 'ipfOption'],
        \ ['1024 flags \zsS/SA', 'ipfFlags', 'Constant'],
        \ ['1024 flags S/S\zsA', 'ipfFlags'],
        \ ['any flags S \zskeep state (limit', 'ipfKeep'],
        \ ['keep state \zs(limit', 'ipfDelimiter'],
        \ ['keep state (\zslimit 10', 'ipfKeepOption', 'Keyword'],
        \ ['keep state (limit \zs10,', 'ipfNumber', 'Number'],
        \ ['keep state (limit 10, \zsstrict', 'ipfKeepOption'],
        \ ['(limit 10, strict) \zsgroup 20', 'ipfGroup'],
        \ ['^\zslog in on em0 proto icmp', 'ipfRuleAction'],
        \ ['^log \zsin on em0 proto icmp', 'ipfDirection'],
        \ ['\zsicmp-type echo', 'ipfOption'],
        \ ['icmp-type \zsecho', 'ipfIcmpType', 'Constant'],
        \ ['icmp-type echo \zscode 0', 'ipfOption'],
        \ ['icmp-type echo code \zs0', 'ipfNumber'],
        \ ['^\zs@1 BLOCK', 'ipfInsert', 'Special'],
        \ ['^@1 \zsBLOCK', 'ipfRuleAction'],
        \ ['^@1 BLOCK \zsIN QUICK', 'ipfDirection'],
        \ ['^@1 BLOCK IN \zsQUICK', 'ipfQuick'],
        \ ['^@1 BLOCK IN QUICK \zsON', 'ipfOn'],
        \ ['^@1 BLOCK .* \zsFROM 192', 'ipfFromTo'],
        \ ['^@1 BLOCK .* FROM \zs192.168.0.0/16', 'ipfAddress'],
        \ ['^@1 BLOCK .* TO \zsANY', 'ipfAnyAddr'],
        \ ['\zsdup-to em2', 'ipfOption'],
        \ ['dup-to \zsem2:10.0.0.1', 'ipfInterface'],
        \ ['dup-to em2:10.0.0.\zs1', 'ipfInterface'],
        \ ['dup-to .* to \zs2001:db8::/32 with', 'ipfAddress'],
        \ ['2001:db8::/32 \zswith not frag', 'ipfOption'],
        \ ['2001:db8::/32 with \zsnot frag', 'ipfNot'],
        \ ['2001:db8::/32 with not \zsfrag$', 'ipfWithOpt', 'Constant'],
        \ ['with \zsipopts \\$', 'ipfWithOpt'],
        \ ['with ipopts \zs\\$', 'ipfContinuation', 'Special'],
        \ ['^  \zskeep frags', 'ipfKeep'],
        \ ['^\zscount in on em0', 'ipfRuleAction'],
        \ ['^count .* port \zseq 500', 'ipfOperator'],
        \ ['^count .* port eq \zs500', 'ipfPortNumber'],
        \ ])
  call s:Opt('commentstring', '# %s')
  call s:Opt('comments', ':#')
  call s:Expect(s:file . ': iskeyword has -', &l:iskeyword =~# ',-', 1)
  call s:AllLinked()
  call s:Undo(['commentstring', 'comments', 'iskeyword'])

  if s:Open('corpus/pairs/clean-freebsd12-3des/west/etc/ipf.rules', 'ipf')
    call s:Check([
          \ ['^\zs# /etc/ipf.rules', 'ipfComment'],
          \ ['^\zspass in quick on lo0 all', 'ipfRuleAction'],
          \ ['^block in on em0 all \zshead 10', 'ipfGroup'],
          \ ['^  pass in quick proto udp .* port = \zs500 to', 'ipfPortNumber'],
          \ ['^  pass in quick proto \zsesp', 'ipfProtocol'],
          \ ['flags \zsS keep state', 'ipfFlags'],
          \ ['flags S \zskeep state group 20', 'ipfKeep'],
          \ ['^  pass in quick from \zs10.2.0.0/24', 'ipfAddress'],
          \ ])
  endif
  if s:Open('corpus/rules/IPS1301/bad/ipf.rules', 'ipf')
    call s:Check([
          \ ['^\zsblock in log on fxp0 all', 'ipfRuleAction'],
          \ ['proto esp from 198.51.100.1 \zsport = 500', 'ipfPort'],
          \ ])
  endif
endfunction

" ---------------------------------------------------------------------------
" ipnat
" ---------------------------------------------------------------------------
function! s:TestIpnat() abort
  if !s:Open('tests/e2e/vim/ipnat.rules', 'ipnat')
    return
  endif
  call s:Check([
        \ ['^\zs# ipnat fixture', 'ipnatComment', 'Comment'],
        \ ['^\zsmap fxp0 10.1.0.0/16 -> 0/32 portmap', 'ipnatCommand', 'Statement'],
        \ ['^map \zsfxp0 10.1.0.0/16 -> 0/32 portmap', 'ipnatInterface', 'Identifier'],
        \ ['^map fxp0 \zs10.1.0.0/16 -> 0/32 portmap', 'ipnatAddress', 'Constant'],
        \ ['^map fxp0 10.1.0.0/1\zs6 -> 0/32 portmap', 'ipnatAddress'],
        \ ['^map fxp0 10.1.0.0/16 \zs-> 0/32 portmap', 'ipnatArrow', 'Operator'],
        \ ['^map fxp0 10.1.0.0/16 -> \zs0/32 portmap', 'ipnatAddress'],
        \ ['^map fxp0 10.1.0.0/16 -> 0/3\zs2 portmap', 'ipnatAddress'],
        \ ['-> 0/32 \zsportmap tcp/udp 1024', 'ipnatKeyword', 'Keyword'],
        \ ['-> 0/32 portmap \zstcp/udp 1024', 'ipnatProtocol', 'Type'],
        \ ['-> 0/32 portmap tcp/\zsudp 1024', 'ipnatProtocol'],
        \ ['portmap tcp/udp \zs1024:65535', 'ipnatNumber', 'Number'],
        \ ['portmap tcp/udp 1024:\zs65535', 'ipnatNumber'],
        \ ['-> 0/32 \zsproxy port 500', 'ipnatKeyword'],
        \ ['-> 0/32 proxy \zsport 500', 'ipnatKeyword'],
        \ ['-> 0/32 proxy port \zs500', 'ipnatNumber'],
        \ ['proxy port 500 \zsipsec/udp', 'ipnatProxy', 'Special'],
        \ ['proxy port 500 ipsec/\zsudp', 'ipnatProtocol'],
        \ ['^map \zsfxp0,fxp1', 'ipnatInterface'],
        \ ['^map fxp0,\zsfxp1', 'ipnatInterface'],
        \ ['^map fxp0,fxp1 \zsfrom', 'ipnatKeyword'],
        \ ['^map fxp0,fxp1 from 10.0.0.0/8 \zsto !', 'ipnatKeyword'],
        \ ['^map fxp0,fxp1 from 10.0.0.0/8 to \zs!', 'ipnatNot', 'Operator'],
        \ ['-> 198.51.100.1/32 portmap tcp/udp \zsauto$', 'ipnatAny', 'Constant'],
        \ ['^\zsbimap em0', 'ipnatCommand'],
        \ ['^bimap \zsem0', 'ipnatInterface'],
        \ ['^\zsmap-block em0', 'ipnatCommand'],
        \ ['^map-bloc\zsk em0', 'ipnatCommand'],
        \ ['^map-block \zsem0', 'ipnatInterface'],
        \ ['^\zsrdr em0', 'ipnatCommand'],
        \ ['^rdr em0 198.51.100.1/32 \zsport 8080', 'ipnatKeyword'],
        \ ['^rdr em0 198.51.100.1/32 port \zs8080', 'ipnatNumber'],
        \ ['^rdr .* -> \zs10.0.0.10 port 80', 'ipnatAddress'],
        \ ['^rdr .* port 80 \zstcp', 'ipnatProtocol'],
        \ ['\zsround-robin', 'ipnatOption', 'Special'],
        \ ['round-robi\zsn', 'ipnatOption'],
        \ ['^\zsMAP EM0', 'ipnatCommand'],
        \ ['^MAP \zsEM0', 'ipnatInterface'],
        \ ['^MAP EM0 \zs10.3.0.0/255.255.0.0', 'ipnatAddress'],
        \ ['^MAP EM0 10.3.0.0/255.255.0.\zs0', 'ipnatAddress'],
        \ ['^MAP EM0 .* -> \zs0.0.0.0/32', 'ipnatAddress'],
        \ ])
  call s:Opt('commentstring', '# %s')
  call s:Opt('comments', ':#')
  call s:Expect(s:file . ': iskeyword has -', &l:iskeyword =~# ',-', 1)
  call s:AllLinked()
  call s:Undo(['commentstring', 'comments', 'iskeyword'])

  if s:Open('corpus/rules/IPS1303/good/ipnat.rules', 'ipnat')
    call s:Check([
          \ ['^\zs# Hide', 'ipnatComment'],
          \ ['^\zsmap fxp0 10.1.0.0/16 -> 0/32 portmap', 'ipnatCommand'],
          \ ['^map fxp0 10.1.0.0/16 \zs->', 'ipnatArrow'],
          \ ['portmap tcp/udp 1024:\zs65535', 'ipnatNumber'],
          \ ])
  endif
endfunction

" ---------------------------------------------------------------------------
" g:ipseclint_hide_keys: keys concealed as `*`, 'conceallevel' 2
" ---------------------------------------------------------------------------
function! s:TestHideKeys() abort
  let g:ipseclint_hide_keys = 1
  if s:Open('tests/e2e/vim/setkey.conf', 'setkey')
    call s:Conceal([
          \ '^\t-E aes-cbc \zs0x346e',
          \ '^\t-E aes-cbc 0x346e711ea87685f2e4185ce9965def4\zsb$',
          \ '^\t-A hmac-sha2-256 \zs"a quoted',
          \ '3des-cbc \zs0xdeadbeef',
          \ 'chacha99 \zs0xfeedface',
          \ ], 1)
    call s:Conceal(['^\t-E \zsaes-cbc', 'esp \zs0x670d', '^\zsadd 203'], 0)
    call s:Check([['^\t-E aes-cbc \zs0x346e', 'setkeySecret']])
    call s:Opt('conceallevel', 2)
    call s:Opt('concealcursor', 'nc')
    call s:Undo(['conceallevel', 'concealcursor'])
  endif
  if s:Open('corpus/pairs/clean-manual-keys/west/etc/ipsec.conf', 'setkey')
    call s:Conceal(['^\t-E aes-cbc \zs0x', '^\t-A hmac-sha2-256 \zs0x'], 1)
    call s:Opt('conceallevel', 2)
  endif
  if s:Open('tests/e2e/vim/psk.txt', 'racoonpsk')
    call s:Conceal([
          \ '^203.0.113.1\t\zsFtQM',
          \ '^2001:db8::1  key\zs#with',
          \ '^    198.51.100.1\t\zsindented-entry',
          \ '^198.51.100.2\tkey with trailing blanks\zs   $',
          \ ], 1)
    call s:Conceal(['^\zs203.0.113.1\t', '^\zs# psk fixture', '^\zsvpn.example.com'], 0)
    call s:Opt('conceallevel', 2)
    call s:Undo(['conceallevel', 'concealcursor'])
  endif
  if s:Open('tests/e2e/vim/racoon.conf', 'racoon')
    call s:Conceal(['bind_pw \zs"ldap', '1812 \zs"radius-secret', 'acct "radius.example.net" \zs"acct'], 1)
    call s:Conceal(['^\t\zshost "ldap', '^\tauth \zs"radius'], 0)
    call s:Opt('conceallevel', 2)
    call s:Opt('foldmethod', 'syntax')
  endif
  unlet g:ipseclint_hide_keys
  " Back to visible keys in a fresh buffer.
  if s:Open('tests/e2e/vim/setkey.conf', 'setkey')
    call s:Conceal(['^\t-E aes-cbc \zs0x346e'], 0)
    call s:Opt('conceallevel', 0)
  endif
endfunction

function! s:Main() abort
  let &runtimepath = s:root . '/editors/vim,' . &runtimepath
  filetype plugin on
  syntax on
  if $IPSECLINT_VIM_SYNTAX_BREAK !=# ''
    let g:ipseclint_vim_syntax_break = 1
  endif
  call s:TestRacoon()
  call s:TestSetkey()
  call s:TestPsk()
  call s:TestIpfw()
  call s:TestIpf()
  call s:TestIpnat()
  call s:TestHideKeys()
endfunction

try
  call s:Main()
catch
  call s:Fail('exception: ' . v:exception . ' at ' . v:throwpoint)
endtry

" Output on stdout. vim -es: `:print` writes to stdout (through the
" editor's own file descriptor, so it also works when stdout is a file);
" neovim --headless: Lua's io.stdout.
function! s:Print(lines) abort
  if has('nvim')
    call luaeval('io.stdout:write(_A)', join(a:lines, "\n") . "\n")
    call luaeval('io.stdout:flush()')
  else
    enew
    call setline(1, a:lines)
    %print
  endif
endfunction

let s:out = copy(s:failures)
if empty(s:failures)
  call add(s:out, 'ok ' . s:count . ' assertions')
else
  call add(s:out, 'not ok: ' . len(s:failures) . ' of ' . s:count . ' assertions failed')
endif
" Messages of other plugins (notes) go to stderr.
if !empty(s:notes)
  if has('nvim')
    call luaeval('io.stderr:write(_A)', join(s:notes, "\n") . "\n")
  else
    call writefile(s:notes, '/dev/stderr', 'a')
  endif
endif
call s:Print(s:out)
if empty(s:failures)
  qall!
else
  cquit!
endif
