//! Function application: closures, natives, bound methods, parameter binding (defaults,
//! named arguments), the recursion limit, and method dispatch on every kind of value.

use super::lower::Lowered;
use super::value::{Closure, NativeKind, Value};
use super::{BoxFut, Ctrl, Frame, Interp, MAX_DEPTH, R, fail};
use crate::syntax::ast::*;
use std::rc::Rc;

/// Evaluated call arguments.
#[derive(Default)]
pub struct Args {
    pub positional: Vec<Value>,
    pub named: Vec<(Rc<str>, Value)>,
}

impl Args {
    pub fn new(positional: Vec<Value>) -> Args {
        Args { positional, named: Vec::new() }
    }
    /// Natives take positional arguments only.
    pub fn into_positional(self, name: &str) -> R<Vec<Value>> {
        if let Some((n, _)) = self.named.first() {
            return fail(format!("{name}() does not take named argument `{n}`"));
        }
        Ok(self.positional)
    }
}

/// Call arguments not yet evaluated: syntax-tree arguments or their evaluation-tree
/// nodes (`lower::Args`). The call paths are written once over this.
pub trait ArgSource {
    fn count(&self) -> usize;
    /// no argument is named
    fn all_positional(&self) -> bool;
    /// evaluates argument number `k`
    fn value(&self, k: usize, interp: &Interp, f: &mut Frame) -> R<Value>;
    /// evaluates every argument, named ones kept as `(name, value)`
    fn collect(&self, interp: &Interp, f: &mut Frame) -> R<Args>;
}

impl ArgSource for [Arg] {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn all_positional(&self) -> bool {
        self.iter().all(|a| a.name.is_none())
    }
    #[inline]
    fn value(&self, k: usize, interp: &Interp, f: &mut Frame) -> R<Value> {
        interp.eval(&self[k].value, f)
    }
    fn collect(&self, interp: &Interp, f: &mut Frame) -> R<Args> {
        interp.eval_args(self, f)
    }
}

/// Fills `$slots` (empty, from `take_slots`) as the slots of a new frame for `$decl`:
/// `self` (if it has one) and exactly its parameters' worth of positional arguments
/// evaluated straight into the first slots, which must be theirs (`params_in_place`),
/// nils after; an argument's error returns. (No argument vector: the sync hot path's,
/// and an async call's, whose frame goes into its future. A macro: as a function
/// returning the slots or a frame, even inlined, it cost the sync call 1–3%.)
macro_rules! args_in_place {
    ($self:ident, $slots:ident, $decl:expr, $this:expr, $args:ident, $f:ident) => {{
        let decl: &FnDecl = $decl;
        let n = decl.info.n_slots as usize;
        // The values are written in place rather than pushed: `take_slots` gave room
        // for `n`, and a push's capacity check kept the vector in memory (its fields
        // stored and reloaded around every argument's evaluation).
        let base = $slots.as_mut_ptr();
        let first = decl.has_self() as usize;
        let params = decl.params.len();
        // SAFETY: `self` and the parameters are the first of the `n` slots
        // (`params_in_place`), so every write is below the capacity; the length is set
        // after each write, so an argument's error drops exactly the values written.
        unsafe {
            if first == 1 {
                base.write($this.unwrap_or_default());
                $slots.set_len(1);
            }
            let mut k = 0;
            while k < params {
                base.add(first + k).write($args.value(k, $self, $f)?);
                k += 1;
                $slots.set_len(first + k);
            }
            let mut j = first + params;
            while j < n {
                base.add(j).write(Value::Nil);
                j += 1;
            }
            $slots.set_len(n);
        }
    }};
}

impl Interp {
    /// The interpreter's own `Rc` (for futures that outlive a borrow of it).
    pub fn rc(&self) -> Rc<Interp> {
        self.me.upgrade().expect("an interpreter is only used while it is alive")
    }

    pub fn call_value(&self, f: &Value, args: Args, span: Span) -> R<Value> {
        match f {
            Value::Func(c) if c.decl.is_async => self.start_task_value(f.clone(), args),
            Value::Func(c) => self.call_closure(c, None, args),
            Value::Native(n) => {
                if let Some((def, index)) = &n.variant_of {
                    return super::builtins::call_variant(def, *index, args);
                }
                match n.kind {
                    NativeKind::Sync(fun) => fun(self, &self.native_args(n, args)?),
                    NativeKind::Method(fun) => {
                        let mut positional = args.positional;
                        if positional.is_empty() {
                            return fail(format!("{}() needs its receiver", n.name));
                        }
                        let recv = positional.remove(0);
                        let rest = self.native_args(n, Args { positional, named: args.named })?;
                        fun(self, &recv, &rest)
                    }
                    NativeKind::Async(_) => self.start_task_value(f.clone(), args),
                }
            }
            Value::Bound(b) => {
                let (recv, method) = (&b.0, &b.1);
                self.call_member(method, recv.clone(), args, span)
            }
            // `Point(1, 2)`, `Point(x: 1, y: 2)`: construction by calling the type
            Value::Type(def) => self.construct(def, args),
            other => fail(format!("value of type {} is not callable", other.type_name())),
        }
    }

    /// A native's arguments: checked against its registered signature if it has one.
    fn native_args(&self, n: &super::value::NativeFn, args: Args) -> R<Vec<Value>> {
        match n.sig {
            Some(sig) if args.named.is_empty() && sig.fits_exactly(&args.positional) => Ok(args.positional),
            Some(sig) => sig.bind(&|| format!("{}()", n.name), &args.positional, &args.named),
            None => args.into_positional(&n.name),
        }
    }

    /// Calls a method value with its receiver. A function of a type that takes no
    /// receiver (an associated function) is called without it.
    pub fn call_member(&self, method: &Value, recv: Value, mut args: Args, span: Span) -> R<Value> {
        match method {
            Value::Func(c) if c.decl.takes_receiver() => {
                if c.decl.is_async {
                    args.positional.insert(0, recv);
                    return self.start_task_value(method.clone(), args);
                }
                self.call_closure(c, Some(recv), args)
            }
            // a registered method of a native type: the receiver goes alongside the
            // arguments (no shifting of the argument vector)
            Value::Native(n) if n.variant_of.is_none() => match n.kind {
                NativeKind::Method(fun) => fun(self, &recv, &self.native_args(n, args)?),
                _ => {
                    args.positional.insert(0, recv);
                    self.call_value(method, args, span)
                }
            },
            Value::Native(_) => {
                args.positional.insert(0, recv);
                self.call_value(method, args, span)
            }
            other => self.call_value(other, args, span),
        }
    }

    /// A synchronous call of a (non-async) closure.
    pub fn call_closure(&self, c: &Rc<Closure>, this: Option<Value>, args: Args) -> R<Value> {
        let decl = &c.decl;
        let mut frame = self.frame_for(c);
        if let Err(e) = self.bind_params(decl, &mut frame, this, args) {
            self.give_frame(frame);
            return Err(e);
        }
        self.run_body(c, super::lower::lowered(decl), frame)
    }

    /// The hot path: plain positional arguments (exactly as many as `c` has parameters)
    /// evaluated straight into the new frame; for methods `this` goes to slot 0.
    #[inline]
    pub fn call_direct_with<A: ArgSource + ?Sized>(
        &self,
        c: &Rc<Closure>,
        this: Option<Value>,
        args: &A,
        f: &mut Frame,
    ) -> R<Value> {
        let lowered = super::lower::lowered(&c.decl);
        if lowered.params_in_place {
            return self.call_in_place(c, lowered, this, args, f);
        }
        self.call_binding(c, lowered, this, args, f)
    }

    /// `call_direct_with` when `self` and the parameters are the first slots: the
    /// arguments are pushed straight into the new frame's slots. (Its own small
    /// function: a call's prologue and epilogue cost by the registers it saves.)
    fn call_in_place<A: ArgSource + ?Sized>(
        &self,
        c: &Rc<Closure>,
        lowered: &Lowered,
        this: Option<Value>,
        args: &A,
        f: &mut Frame,
    ) -> R<Value> {
        let mut slots = self.take_slots(c.decl.info.n_slots as usize);
        args_in_place!(self, slots, &c.decl, this, args, f);
        self.run_body(c, lowered, Frame { slots, closure: frame_closure(c), async_depth: 0 })
    }

    /// `call_direct_with` binding each parameter (captured ones go into cells).
    #[inline(never)]
    fn call_binding<A: ArgSource + ?Sized>(
        &self,
        c: &Rc<Closure>,
        lowered: &Lowered,
        this: Option<Value>,
        args: &A,
        f: &mut Frame,
    ) -> R<Value> {
        let decl = &c.decl;
        let mut frame = self.frame_for(c);
        if let Some(t) = this {
            frame.slots[0] =
                if decl.info.cell_params.contains(&0) { Value::Cell(Rc::new(std::cell::RefCell::new(t))) } else { t };
        }
        for (k, p) in decl.params.iter().enumerate() {
            match args.value(k, self, f) {
                Ok(v) => self.bind(p.slot, v, &mut frame),
                Err(e) => {
                    self.give_frame(frame);
                    return Err(e);
                }
            }
        }
        self.run_body(c, lowered, frame)
    }

    /// A frame for a call of `c` (see `frame_closure`).
    #[inline]
    fn frame_for(&self, c: &Rc<Closure>) -> Frame {
        self.take_frame(c.decl.info.n_slots as usize, frame_closure(c))
    }

    /// Runs a call's body in its frame (the recursion and step limits are checked here,
    /// once the arguments are in the frame).
    #[inline(always)]
    fn run_body(&self, c: &Rc<Closure>, lowered: &Lowered, mut frame: Frame) -> R<Value> {
        let depth = self.depth.get();
        let steps_left = self.step_budget.get();
        if depth >= MAX_DEPTH || steps_left == 0 {
            self.give_frame(frame);
            return Err(if depth >= MAX_DEPTH { Ctrl::recursion_limit() } else { Ctrl::step_limit() });
        }
        self.step_budget.set(steps_left - 1);
        let decl = &c.decl;
        self.depth.set(depth + 1);
        // the body runs as its evaluation tree (lowered on the first call)
        let r = (lowered.body)(self, &mut frame);
        self.depth.set(depth);
        self.give_frame(frame);
        match r {
            Ok(v) => Ok(v),
            Err(Ctrl::Break) | Err(Ctrl::Continue) => Ok(Value::Nil),
            Err(Ctrl::Return) => Ok(self.take_ret()),
            Err(Ctrl::Error(mut e)) => {
                e.leave(&c.name, decl.span);
                Err(Ctrl::Error(e))
            }
        }
    }

    /// Puts arguments (and `self`) into a fresh frame: defaults, named args, arity.
    pub fn bind_params(&self, decl: &FnDecl, frame: &mut Frame, this: Option<Value>, args: Args) -> R<()> {
        let mut positional = args.positional;
        let mut first = 0;
        if decl.has_self() {
            let recv = match this {
                Some(v) => v,
                // `Point::norm(p)`: the receiver comes first
                None if decl.takes_receiver() && !positional.is_empty() => positional.remove(0),
                None if decl.takes_receiver() => {
                    return fail(format!("{}() needs a `self` argument", decl.name.name));
                }
                // an implicit-self function whose body never uses `self`
                None => Value::Nil,
            };
            frame.slots[0] = recv;
            first = 1;
        }
        let mut named = args.named;
        if let Some((bad, _)) = named.iter().find(|(k, _)| !decl.params.iter().any(|p| p.name.name == *k)) {
            let names: Vec<&str> = decl.params.iter().map(|p| &*p.name.name).collect();
            let hint = crate::diag::did_you_mean(bad, names.into_iter());
            return fail(format!("{}() has no parameter named `{bad}`{hint}", decl.name.name));
        }
        let n = decl.params.len();
        let given = positional.len();
        if given > n {
            let plural = if n == 1 { "" } else { "s" };
            return fail(format!("{}() takes {n} argument{plural} but {given} were given", decl.name.name));
        }
        let mut values = positional.into_iter();
        for (i, p) in decl.params.iter().enumerate() {
            let v = if i < given {
                values.next().unwrap_or_default()
            } else if let Some(pos) = named.iter().position(|(k, _)| *k == p.name.name) {
                named.swap_remove(pos).1
            } else if let Some(d) = &p.default {
                self.eval(d, frame)?
            } else {
                let required = decl.params.iter().filter(|p| p.default.is_none()).count();
                let plural = if required == 1 { "" } else { "s" };
                return fail(format!(
                    "{}() takes {required} argument{plural} but {given} were given (missing `{}`)",
                    decl.name.name, p.name.name
                ));
            };
            self.bind(p.slot, v, frame);
        }
        if let Some((name, _)) = named.first() {
            return fail(format!("{}() got an unexpected named argument `{name}`", decl.name.name));
        }
        if first == 1 && decl.info.cell_params.contains(&0) {
            let v = std::mem::take(&mut frame.slots[0]);
            frame.slots[0] = Value::Cell(Rc::new(std::cell::RefCell::new(v)));
        }
        Ok(())
    }

    /// Creates a closure value, taking the captured cells from the current frame.
    pub fn make_closure(&self, decl: &Rc<FnDecl>, f: &mut Frame) -> Value {
        let captures = decl
            .info
            .captures
            .iter()
            .map(|from| match *from {
                CaptureFrom::Local(s) => {
                    let slot = &mut f.slots[s as usize];
                    if let Value::Cell(c) = slot {
                        c.clone()
                    } else {
                        // not yet a cell (e.g. a nested fn declared later): make it one
                        let cell = Rc::new(std::cell::RefCell::new(std::mem::take(slot)));
                        *slot = Value::Cell(cell.clone());
                        cell
                    }
                }
                CaptureFrom::Capture(i) => match &f.closure {
                    Some(c) => c.captures[i as usize].clone(),
                    None => Rc::new(std::cell::RefCell::new(Value::Nil)),
                },
            })
            .collect();
        let name = match decl.kind {
            FnKind::Named => decl.name.name.clone(),
            FnKind::Lambda => Rc::from("lambda"),
            FnKind::AsyncBlock => Rc::from("async"),
        };
        Value::Func(Rc::new(Closure { decl: decl.clone(), captures, name }))
    }

    /// Calling an async function (or async native) without `await`: a new Task.
    pub fn start_task_value(&self, f: Value, args: Args) -> R<Value> {
        let (name, fut) = self.async_call(&f, None, args, 0)?;
        Ok(self.spawn_task(name, fut))
    }

    /// The future of an async call, run inline by `await` or as a Task's body.
    pub fn async_call(&self, f: &Value, this: Option<Value>, args: Args, depth: u32) -> R<(Rc<str>, BoxFut<'static>)> {
        match f {
            Value::Func(c) => {
                if depth >= MAX_DEPTH {
                    return Err(Ctrl::recursion_limit());
                }
                let mut frame = self.take_frame(c.decl.info.n_slots as usize, Some(c.clone()));
                self.bind_params(&c.decl, &mut frame, this, args)?;
                Ok((c.name.clone(), self.async_body(c.clone(), frame, depth)))
            }
            Value::Native(n) => match n.kind {
                NativeKind::Async(fun) => {
                    let positional = match this {
                        // a method: its arguments are checked without the receiver
                        Some(t) => {
                            // in front of the arguments, in their own vector (which has
                            // room to spare when it was pushed to: no second allocation)
                            let mut v = self.native_args(n, args)?;
                            v.insert(0, t);
                            v
                        }
                        None => args.into_positional(&n.name)?,
                    };
                    Ok((n.name.clone(), fun(self.rc(), positional)))
                }
                NativeKind::Sync(_) | NativeKind::Method(_) => {
                    let v = match this {
                        Some(t) => self.call_member(f, t, args, Span::default())?,
                        None => self.call_value(f, args, Span::default())?,
                    };
                    Ok((n.name.clone(), Box::pin(async move { Ok(v) })))
                }
            },
            Value::Bound(b) => {
                let (recv, method) = (b.0.clone(), b.1.clone());
                self.async_call(&method, Some(recv), args, depth)
            }
            other => fail(format!("value of type {} is not callable", other.type_name())),
        }
    }

    /// `c(args)` for an async function whose parameters are its first slots
    /// (`async_in_place`): the future of its body, the arguments evaluated straight
    /// into its frame (no argument vector; a spawned task's commonest call).
    pub fn async_call_in_place<A: ArgSource + ?Sized>(
        &self,
        c: &Rc<Closure>,
        args: &A,
        f: &mut Frame,
        depth: u32,
    ) -> R<BoxFut<'static>> {
        if depth >= MAX_DEPTH {
            return Err(Ctrl::recursion_limit());
        }
        let mut slots = self.take_slots(c.decl.info.n_slots as usize);
        args_in_place!(self, slots, &c.decl, None, args, f);
        Ok(self.async_body(c.clone(), Frame { slots, closure: frame_closure(c), async_depth: 0 }, depth))
    }

    /// Whether `async_call_in_place` can call `fv` with these arguments: an async
    /// function (not through an instance) taking exactly them, positionally, with its
    /// parameters in place.
    #[inline]
    pub fn async_in_place<'v, A: ArgSource + ?Sized>(fv: &'v Value, args: &A) -> Option<&'v Rc<Closure>> {
        match fv {
            Value::Func(c)
                if c.decl.is_async
                    && !c.decl.takes_receiver()
                    && c.decl.params.len() == args.count()
                    && args.all_positional()
                    && super::lower::lowered(&c.decl).params_in_place =>
            {
                Some(c)
            }
            _ => None,
        }
    }

    /// The future of an async function's body running in `frame` (its arguments bound).
    fn async_body(&self, c: Rc<Closure>, mut frame: Frame, depth: u32) -> BoxFut<'static> {
        let interp = self.rc();
        frame.async_depth = depth + 1;
        Box::pin(async move {
            // (lowering prepares what cannot suspend in a body that awaits; see `lower`)
            let lowered = super::lower::lowered(&c.decl);
            // a body without `await` runs straight through, as its evaluation tree
            let r = if super::eval_async::block_has_await(&c.decl.body) {
                interp.exec_block_async(&c.decl.body, &mut frame).await
            } else {
                (lowered.body)(&interp, &mut frame)
            };
            let r = interp.finish_async_body(&c, r);
            interp.give_frame(frame);
            r
        })
    }

    /// Maps the outcome of an async body to its result (the value of its last statement,
    /// by the implicit-return rule, or what `return` gave).
    fn finish_async_body(&self, c: &Rc<Closure>, r: R<Value>) -> R<Value> {
        match r {
            Ok(v) => Ok(v),
            Err(Ctrl::Return) => Ok(self.take_ret()),
            Err(Ctrl::Break) | Err(Ctrl::Continue) => Ok(Value::Nil),
            Err(Ctrl::Error(mut e)) => {
                e.leave(&c.name, c.decl.span);
                Err(Ctrl::Error(e))
            }
        }
    }

    // ----- methods ---------------------------------------------------------------------

    /// A method of a value as a callable, if it has one by that name: a user type's
    /// method, or a registered method of a native type (`ch.recv`).
    pub fn find_method(&self, recv: &Value, name: &str) -> Option<Value> {
        match recv {
            Value::Struct(s) => s.def.member(name),
            Value::Enum(e) => e.def.member(name),
            Value::Object(o) => self.registered_method(o.type_name(), name),
            _ => None,
        }
    }

    /// A registered method as a value, made once per interpreter and method.
    pub fn registered_method(&self, ty: &str, name: &str) -> Option<Value> {
        let index = self.registry.method_index(ty, name)?;
        Some(self.registered_method_at(index))
    }

    /// Registered method number `index` as a value.
    pub fn registered_method_at(&self, index: usize) -> Value {
        if let Some(Some(v)) = self.method_values.borrow().get(index) {
            return v.clone();
        }
        let entry = &self.registry.methods[index];
        let kind = match entry.imp {
            crate::registry::MethodFn::Sync(f) => NativeKind::Method(f),
            crate::registry::MethodFn::Async(f) => NativeKind::Async(f),
        };
        let v = Value::Native(Rc::new(super::value::NativeFn {
            name: Rc::from(entry.sig.name),
            kind,
            sig: Some(&entry.sig),
            variant_of: None,
        }));
        self.method_values.borrow_mut()[index] = Some(v.clone());
        v
    }

    pub fn call_method(&self, recv: Value, method: &Ident, args: Args, span: Span) -> R<Value> {
        if let Some(m) = self.find_method(&recv, &method.name) {
            return self.call_member(&m, recv, args, span);
        }
        // a struct field holding a function: `obj.callback(x)`
        if let Value::Struct(s) = &recv
            && let Some(i) = s.def.field_index(&method.name)
        {
            let f = s.fields.borrow()[i].clone();
            return self.call_value(&f, args, span);
        }
        // `Point.origin()`, `Color.from(x)`, `net.connect(...)`: `.` works like `::`
        if let Value::Type(_) | Value::Module(_) = &recv {
            let f = self.member(&recv, method)?;
            return self.call_value(&f, args, span);
        }
        self.call_builtin_method(&recv, &method.name, &args.positional, &args.named)
    }
}

/// What a frame for a call of `c` keeps of its closure: the closure only if the body
/// reads captures.
#[inline]
fn frame_closure(c: &Rc<Closure>) -> Option<Rc<Closure>> {
    if c.captures.is_empty() { None } else { Some(c.clone()) }
}
