// runtime/detail/switch.cc — stockd_jump_fcontext / stockd_make_fcontext for
// x86-64 SysV ELF (see switch.h). Boost.Context's jump_x86_64_sysv_elf_gas.S
// and make_x86_64_sysv_elf_gas.S without the MXCSR / x87 control word.
//
// Context record (at the saved stack pointer), 0x40 bytes:
//   0x00 unused (Boost keeps MXCSR and the x87 CW here)
//   0x08 r12  0x10 r13  0x18 r14  0x20 r15  0x28 rbx  0x30 rbp
//   0x38 return address
#include "runtime/detail/switch.h"

#if defined(__x86_64__) && defined(__linux__)

__asm__(R"(
.pushsection .text
.globl stockd_jump_fcontext
.type stockd_jump_fcontext,@function
.align 16
stockd_jump_fcontext:
    leaq  -0x38(%rsp), %rsp
    movq  %r12, 0x8(%rsp)
    movq  %r13, 0x10(%rsp)
    movq  %r14, 0x18(%rsp)
    movq  %r15, 0x20(%rsp)
    movq  %rbx, 0x28(%rsp)
    movq  %rbp, 0x30(%rsp)
    /* rax: this context; switch to the target's stack */
    movq  %rsp, %rax
    movq  %rdi, %rsp
    movq  0x38(%rsp), %r8
    movq  0x8(%rsp), %r12
    movq  0x10(%rsp), %r13
    movq  0x18(%rsp), %r14
    movq  0x20(%rsp), %r15
    movq  0x28(%rsp), %rbx
    movq  0x30(%rsp), %rbp
    leaq  0x40(%rsp), %rsp
    /* transfer_t {rax: from, rdx: data} as the return value, and as the
       first argument (rdi, rsi) of a context function started by it */
    movq  %rsi, %rdx
    movq  %rax, %rdi
    jmp   *%r8
.size stockd_jump_fcontext,.-stockd_jump_fcontext

.globl stockd_make_fcontext
.type stockd_make_fcontext,@function
.align 16
stockd_make_fcontext:
    movq  %rdi, %rax
    andq  $-16, %rax
    leaq  -0x40(%rax), %rax
    /* the context function, restored into rbx by the first jump */
    movq  %rdx, 0x28(%rax)
    leaq  stockd_fcontext_trampoline(%rip), %rcx
    movq  %rcx, 0x38(%rax)
    /* rbp: where the context function would return to */
    leaq  stockd_fcontext_finish(%rip), %rcx
    movq  %rcx, 0x30(%rax)
    ret
.size stockd_make_fcontext,.-stockd_make_fcontext

.type stockd_fcontext_trampoline,@function
.align 16
stockd_fcontext_trampoline:
    /* push the return address (finish), which also aligns the stack as a call would */
    push  %rbp
    jmp   *%rbx
.size stockd_fcontext_trampoline,.-stockd_fcontext_trampoline

.type stockd_fcontext_finish,@function
stockd_fcontext_finish:
    /* a context function returned: that is a bug (FiberEntry never returns) */
    xorq  %rdi, %rdi
    call  _exit@PLT
    hlt
.size stockd_fcontext_finish,.-stockd_fcontext_finish

.popsection
)");

#endif
